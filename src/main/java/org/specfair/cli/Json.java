package org.specfair.cli;

/** Small helpers for writing JSON numbers exactly as Java prints them (shortest round-trip form). */
final class Json {
    private Json() {}

    static void appendFloat(StringBuilder out, float f) {
        if (Float.isNaN(f) || Float.isInfinite(f)) {
            out.append("null"); // JSON has no NaN/Infinity
        } else {
            out.append(f);
        }
    }

    static void appendDouble(StringBuilder out, double d) {
        if (Double.isNaN(d) || Double.isInfinite(d)) {
            out.append("null");
        } else {
            out.append(d);
        }
    }
}
