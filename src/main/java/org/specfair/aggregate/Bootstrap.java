package org.specfair.aggregate;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Percentile bootstrap of a group's mean over samples, resampling whole prompts with replacement:
 * each resample draws as many prompts as the group has and takes sum of their sums / sum of their counts.
 * Seeded: the same prompts (in any order) and seed give the same interval.
 */
public final class Bootstrap {
    public static final int RESAMPLES = 2000;

    private Bootstrap() {}

    /** [low, high] of the 95% percentile interval, or null for a group without samples. */
    public static double[] ci95(List<PromptSums> prompts, long seed) {
        PromptSums[] units = sortedById(prompts);
        if (units.length == 0) {
            return null;
        }
        SplittableRandom random = new SplittableRandom(seed);
        double[] means = new double[RESAMPLES];
        for (int b = 0; b < RESAMPLES; b++) {
            double sum = 0;
            long count = 0;
            for (int i = 0; i < units.length; i++) {
                PromptSums u = units[random.nextInt(units.length)];
                sum += u.sum();
                count += u.count();
            }
            means[b] = sum / count;
        }
        Arrays.sort(means);
        return new double[] {quantile(means, 0.025), quantile(means, 0.975)};
    }

    /** Linear interpolation between order statistics (type 7, numpy's default) of a sorted array. */
    static double quantile(double[] sorted, double q) {
        double h = (sorted.length - 1) * q;
        int lo = (int) Math.floor(h);
        int hi = Math.min(lo + 1, sorted.length - 1);
        return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
    }

    /** Input order depends on Spark's partitioning; the resampling must not. */
    static PromptSums[] sortedById(List<PromptSums> prompts) {
        PromptSums[] units = prompts.stream().filter(p -> p.count() > 0).toArray(PromptSums[]::new);
        Arrays.sort(units, (a, b) -> a.promptId().compareTo(b.promptId()));
        return units;
    }

    /** A seed for one (experiment, stage, group): stable across runs and JVMs (String.hashCode is specified). */
    public static long seedOf(long base, String... parts) {
        long h = base;
        for (String p : parts) {
            h = h * 1_000_003L + (p == null ? 0 : p.hashCode());
        }
        return h;
    }
}
