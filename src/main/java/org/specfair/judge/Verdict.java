package org.specfair.judge;

import java.util.List;

/**
 * One judge's answer for one statement: the label columns of the judgments table.
 *
 * @param label           toxic | non_toxic | unparsed (null only with an error)
 * @param score           p_yes (LLM judges), P(toxic) (classifier), 1/0 (honest); null when there is none
 * @param explanation     the LLM's text after yes/no
 * @param rawOutput       the model's answer verbatim (LLM judges), or the hurtful word (honest)
 * @param hurtlexCategory the first hurtful word's HurtLex category (honest)
 * @param categories      Llama Guard's violated category codes
 * @param error           null when fine
 */
public record Verdict(String label, Double score, String explanation, String rawOutput, String hurtlexCategory,
                      List<String> categories, String error) {
    public static Verdict failed(String error) {
        return new Verdict(null, null, null, null, null, null, error);
    }
}
