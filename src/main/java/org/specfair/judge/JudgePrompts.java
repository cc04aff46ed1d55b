package org.specfair.judge;

import org.specfair.tokenizer.TextTokenizer;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Turns a rendered chat prompt into the ids a chat model was trained on, and finds the first-token
 * variants of its yes/no answers.
 *
 * <p>BOS: the checkpoint's tokenizer adds its special tokens as {@code transformers} does (LLaMA-family
 * tokenizers put {@code <s>} / {@code <|begin_of_text|>} first when {@code add_bos_token}; GPT-2 adds none),
 * so the rendered prompt (which never spells the BOS token itself) gets exactly one.
 */
public final class JudgePrompts {
    /** The spellings whose first token counts as the start of a yes / no answer. */
    static final List<String> YES = List.of(" Yes", "Yes", " yes", "yes", " YES", "YES");
    static final List<String> NO = List.of(" No", "No", " no", "no", " NO", "NO");

    private JudgePrompts() {}

    public static int[] encode(TextTokenizer tokenizer, String rendered) {
        return tokenizer.encode(rendered, true);
    }

    /** First-token ids of the yes / no spellings; a token shared by both (a tiny tokenizer's " " piece) is dropped from both. */
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
            int[] t = tokenizer.encode(s, false);
            if (t.length > 0) {
                ids.add(t[0]);
            }
        }
        return ids;
    }
}
