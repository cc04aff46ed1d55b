package org.specfair.judge;

import org.specfair.checkpoint.ModelConfig;
import org.specfair.tokenizer.TextTokenizer;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Turns a rendered chat prompt into the ids a chat model was trained on, and finds the first-token
 * variants of its yes/no answers.
 *
 * <p>BOS: LLaMA-family tokenizers (Llama 1/2, Tulu, Llama 3) add their beginning-of-sequence token once
 * in front of the text ({@code add_bos_token}); the project's tokenizer encodes text without special
 * tokens, so the id is prepended here from {@code config.json}'s {@code bos_token_id}. Other families
 * (GPT-2, GPT-Neo) add none.
 */
public final class JudgePrompts {
    /** The spellings whose first token counts as the start of a yes / no answer. */
    static final List<String> YES = List.of(" Yes", "Yes", " yes", "yes", " YES", "YES");
    static final List<String> NO = List.of(" No", "No", " no", "no", " NO", "NO");

    private JudgePrompts() {}

    /** Whether the model's tokenizer adds a BOS id in front of every text. */
    public static boolean addsBos(ModelConfig config) {
        return config.modelType().equals("llama") && config.bosTokenId() >= 0;
    }

    public static int[] encode(TextTokenizer tokenizer, ModelConfig config, String rendered) {
        int[] ids = tokenizer.encode(rendered);
        if (!addsBos(config)) {
            return ids;
        }
        int[] out = new int[ids.length + 1];
        out[0] = config.bosTokenId();
        System.arraycopy(ids, 0, out, 1, ids.length);
        return out;
    }

    /** First-token ids of the yes / no spellings; a token shared by both (a tiny tokenizer's "Y"/"N" are not) is dropped from both. */
    public static int[][] yesNoIds(TextTokenizer tokenizer) {
        Set<Integer> yes = firstTokens(tokenizer, YES);
        Set<Integer> no = firstTokens(tokenizer, NO);
        Set<Integer> shared = new LinkedHashSet<>(yes);
        shared.retainAll(no);
        yes.removeAll(shared);
        no.removeAll(shared);
        return new int[][] {yes.stream().mapToInt(Integer::intValue).toArray(), no.stream().mapToInt(Integer::intValue).toArray()};
    }

    private static Set<Integer> firstTokens(TextTokenizer tokenizer, List<String> spellings) {
        Set<Integer> ids = new LinkedHashSet<>();
        for (String s : spellings) {
            int[] t = tokenizer.encode(s);
            if (t.length > 0) {
                ids.add(t[0]);
            }
        }
        return ids;
    }
}
