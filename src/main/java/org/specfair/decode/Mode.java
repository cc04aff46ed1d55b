package org.specfair.decode;

/** Who generates: both models speculatively, or one model alone (the study's "independent" runs). */
public enum Mode {
    SPECULATIVE, MAIN_ONLY, ASSISTANT_ONLY;

    public static Mode parse(String s) {
        return switch (s.trim().toLowerCase(java.util.Locale.ROOT).replace('_', '-')) {
            case "speculative", "assisted" -> SPECULATIVE;
            case "main-only", "main" -> MAIN_ONLY;
            case "assistant-only", "assistant", "draft-only" -> ASSISTANT_ONLY;
            default -> throw new IllegalArgumentException("unknown mode '" + s + "' (speculative, main-only, assistant-only)");
        };
    }

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
}
