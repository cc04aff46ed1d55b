package org.specfair.decode;

import java.util.Locale;

/**
 * Draft-length policy, named as Hugging Face names its {@code num_assistant_tokens_schedule}
 * (transformers src/transformers/generation/candidate_generator.py, {@code update_candidate_strategy}, v4.3x-v4.5x):
 * <ul>
 *   <li>{@code HEURISTIC_TRANSIENT} ("heuristic_transient"): start at num_assistant_tokens, +2 after a round
 *       where every proposal matched, else -1 (never below 1); reset for every prompt. The project's default:
 *       a prompt's result does not depend on which prompts came before it.</li>
 *   <li>{@code HEURISTIC} ("heuristic"): the same rule, but the learned draft length survives from one prompt
 *       to the next, as HF's {@code heuristic} keeps it on the assistant's generation_config from one
 *       {@code generate()} call to the next (utils.py, end of {@code _assisted_decoding}). Results then depend
 *       on prompt order, so such runs decode one prompt at a time, in order.</li>
 *   <li>{@code CONSTANT} ("constant"): always num_assistant_tokens.</li>
 * </ul>
 * Before this naming, the project called the reset-per-prompt rule "heuristic" and the carried one
 * "carry-over"; {@link #notice} says so when a user passes either.
 */
public enum Schedule {
    HEURISTIC, HEURISTIC_TRANSIENT, CONSTANT;

    public static Schedule parse(String s) {
        return switch (normal(s)) {
            case "heuristic", "carry-over", "carryover" -> HEURISTIC;
            case "heuristic_transient", "heuristic-transient" -> HEURISTIC_TRANSIENT;
            case "constant" -> CONSTANT;
            default -> throw new IllegalArgumentException("unknown schedule '" + s + "' (heuristic_transient, heuristic, constant)");
        };
    }

    /**
     * A one-line notice for names whose meaning moved when the schedules took Hugging Face's names, else null:
     * "heuristic" (was reset-per-prompt, now HF's carried rule) and the old alias "carry-over".
     */
    public static String notice(String s) {
        return switch (normal(s)) {
            case "heuristic" -> "note: schedule 'heuristic' is Hugging Face's: the draft length carries over from one prompt"
                    + " to the next (prompts decode one at a time); SpecFair's earlier 'heuristic', reset per prompt and"
                    + " still the default, is now 'heuristic_transient'";
            case "carry-over", "carryover" -> "note: schedule 'carry-over' is now called 'heuristic' (Hugging Face's name);"
                    + " same behaviour";
            default -> null;
        };
    }

    private static String normal(String s) {
        return s.trim().toLowerCase(Locale.ROOT);
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Whether the draft length survives from one prompt to the next (results depend on prompt order). */
    public boolean carriesOver() {
        return this == HEURISTIC;
    }

    /**
     * The draft length after a round with {@code nMatches} accepted. As in the Hugging Face versions whose
     * behaviour the golden traces reproduce, the comparison is with the draft length
     * ({@code num_matches == int(self.num_assistant_tokens)}), not with the (possibly budget-, eos- or
     * confidence-capped) proposal count; HF's current code compares with the proposal count
     * ({@code len(scores[0]) - 1}), which differs only in rounds that proposed fewer than the draft length.
     */
    public int next(int current, int nMatches) {
        if (this == CONSTANT) {
            return current;
        }
        return nMatches == current ? current + 2 : Math.max(1, current - 1);
    }
}
