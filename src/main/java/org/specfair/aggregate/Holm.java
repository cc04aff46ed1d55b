package org.specfair.aggregate;

import java.util.Arrays;
import java.util.Comparator;

/**
 * Holm-Bonferroni step-down adjustment of a family of p-values: controls the family-wise error rate
 * like Bonferroni but rejects more. The i-th smallest of m p-values becomes
 * max over j <= i of min(1, (m - j + 1) * p_(j)) (1-based), so adjusted values keep the raw order.
 */
public final class Holm {
    private Holm() {}

    /** Adjusted p-values in the input's order; null entries (tests that could not run) stay null and do not count in m. */
    public static Double[] adjust(Double[] p) {
        Integer[] order = java.util.stream.IntStream.range(0, p.length).filter(i -> p[i] != null).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.comparingDouble(i -> p[i]));
        Double[] adjusted = new Double[p.length];
        int m = order.length;
        double runningMax = 0;
        for (int j = 0; j < m; j++) {
            runningMax = Math.max(runningMax, Math.min(1.0, (m - j) * p[order[j]]));
            adjusted[order[j]] = runningMax;
        }
        return adjusted;
    }
}
