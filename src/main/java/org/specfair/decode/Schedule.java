package org.specfair.decode;

/**
 * Draft-length policy. {@code HEURISTIC} is Hugging Face's: start at num_assistant_tokens, +2 after a
 * round where every proposal matched, else -1 (never below 1), reset per prompt. {@code CONSTANT}
 * always proposes num_assistant_tokens. {@code CARRY_OVER} is the heuristic whose state survives
 * from one prompt to the next, only to reproduce older studies (results then depend on prompt order).
 */
public enum Schedule {
    HEURISTIC, CONSTANT, CARRY_OVER;

    public static Schedule parse(String s) {
        return switch (s.trim().toLowerCase(java.util.Locale.ROOT).replace('_', '-')) {
            case "heuristic" -> HEURISTIC;
            case "constant" -> CONSTANT;
            case "carry-over", "carryover" -> CARRY_OVER;
            default -> throw new IllegalArgumentException("unknown schedule '" + s + "' (heuristic, constant, carry-over)");
        };
    }

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }

    /**
     * The draft length after a round with {@code nMatches} accepted. As in Hugging Face, the
     * comparison is with the draft length, not with the (possibly budget-capped) proposal count.
     */
    public int next(int current, int nMatches) {
        if (this == CONSTANT) {
            return current;
        }
        return nMatches == current ? current + 2 : Math.max(1, current - 1);
    }
}
