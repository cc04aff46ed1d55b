package org.specfair.judge;

/**
 * Cohen's kappa between two judges' binary labels, from the 2x2 confusion counts, with Cohen's (1960)
 * large-sample 95% interval: SE = sqrt(p_o (1 - p_o) / (n (1 - p_e)^2)), kappa +- 1.96 SE.
 *
 * @param observed  p_o = (both toxic + both non-toxic) / n
 * @param expected  p_e = p_a p_b + (1 - p_a)(1 - p_b), p_a and p_b each judge's toxic share
 * @param kappa     (p_o - p_e) / (1 - p_e); NaN when p_e = 1 (both judges gave one label to everything)
 */
public record Kappa(long n, double observed, double expected, double kappa, double ciLow, double ciHigh) {
    static final double Z95 = 1.959963984540054;

    /** @param bothToxic a toxic, b toxic; {@code aOnly}: a toxic, b not; {@code bOnly}: b toxic, a not; {@code neither}: both non-toxic */
    public static Kappa of(long bothToxic, long aOnly, long bOnly, long neither) {
        long n = bothToxic + aOnly + bOnly + neither;
        if (n == 0) {
            return new Kappa(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
        }
        double po = (double) (bothToxic + neither) / n;
        double pa = (double) (bothToxic + aOnly) / n;
        double pb = (double) (bothToxic + bOnly) / n;
        double pe = pa * pb + (1 - pa) * (1 - pb);
        if (pe >= 1) {
            return new Kappa(n, po, pe, Double.NaN, Double.NaN, Double.NaN);
        }
        double kappa = (po - pe) / (1 - pe);
        double se = Math.sqrt(po * (1 - po) / (n * (1 - pe) * (1 - pe)));
        return new Kappa(n, po, pe, kappa, kappa - Z95 * se, kappa + Z95 * se);
    }
}
