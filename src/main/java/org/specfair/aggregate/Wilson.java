package org.specfair.aggregate;

/**
 * Wilson score interval for a binomial proportion k / n: unlike the normal approximation it stays inside
 * [0, 1] and is not zero-width when k = 0 (a group with no toxic completion still gets an upper bound).
 */
public record Wilson(double low, double high) {
    /** z for a two-sided 95% interval. */
    public static final double Z95 = 1.959963984540054;

    /** The 95% interval; null when n = 0 (no rate to bound). */
    public static Wilson of(long k, long n) {
        if (n <= 0) {
            return null;
        }
        if (k < 0 || k > n) {
            throw new IllegalArgumentException("successes " + k + " not in [0, " + n + "]");
        }
        double z2 = Z95 * Z95;
        double p = (double) k / n;
        double denominator = 1 + z2 / n;
        double centre = (p + z2 / (2.0 * n)) / denominator;
        double half = Z95 / denominator * Math.sqrt(p * (1 - p) / n + z2 / (4.0 * n * n));
        // Clamp float rounding at the ends (k = 0 gives a low of ~1e-17, not 0).
        return new Wilson(k == 0 ? 0.0 : Math.max(0.0, centre - half), k == n ? 1.0 : Math.min(1.0, centre + half));
    }
}
