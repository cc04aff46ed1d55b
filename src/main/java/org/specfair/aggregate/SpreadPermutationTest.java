package org.specfair.aggregate;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * Is the spread of group means (max - min over groups) larger than chance? Prompts keep their samples and
 * are dealt to groups at random (group sizes kept); the p-value is (1 + #permutations whose spread is at
 * least the observed one) / (1 + permutations), never 0.
 */
public final class SpreadPermutationTest {
    public static final int PERMUTATIONS = 2000;

    /** The observed disparity: spread, the groups at each end, and the permutation p-value (null with fewer than two groups). */
    public record Result(double spread, String lowGroup, String highGroup, Double pValue) {}

    private SpreadPermutationTest() {}

    /** @param groups group name -> its prompts; groups without samples are ignored */
    public static Result test(Map<String, List<PromptSums>> groups, long seed) {
        TreeMap<String, PromptSums[]> byGroup = new TreeMap<>();
        groups.forEach((g, prompts) -> {
            PromptSums[] units = Bootstrap.sortedById(prompts);
            if (units.length > 0) {
                byGroup.put(g, units);
            }
        });
        if (byGroup.isEmpty()) {
            return null;
        }
        List<PromptSums> pool = new ArrayList<>();
        int[] sizes = new int[byGroup.size()];
        String[] names = byGroup.keySet().toArray(new String[0]);
        double[] means = new double[names.length];
        for (int g = 0; g < names.length; g++) {
            PromptSums[] units = byGroup.get(names[g]);
            sizes[g] = units.length;
            pool.addAll(Arrays.asList(units));
            means[g] = mean(units, 0, units.length);
        }
        int lo = 0;
        int hi = 0;
        for (int g = 1; g < names.length; g++) {
            lo = means[g] < means[lo] ? g : lo;
            hi = means[g] > means[hi] ? g : hi;
        }
        double observed = means[hi] - means[lo];
        if (names.length < 2) {
            return new Result(observed, names[lo], names[hi], null);
        }
        PromptSums[] shuffled = pool.toArray(new PromptSums[0]);
        SplittableRandom random = new SplittableRandom(seed);
        int atLeast = 0;
        for (int r = 0; r < PERMUTATIONS; r++) {
            for (int i = shuffled.length - 1; i > 0; i--) {  // Fisher-Yates
                int j = random.nextInt(i + 1);
                PromptSums t = shuffled[i];
                shuffled[i] = shuffled[j];
                shuffled[j] = t;
            }
            double min = Double.POSITIVE_INFINITY;
            double max = Double.NEGATIVE_INFINITY;
            int start = 0;
            for (int size : sizes) {
                double m = mean(shuffled, start, start + size);
                min = Math.min(min, m);
                max = Math.max(max, m);
                start += size;
            }
            // A tolerance so ties with the observed spread (common with few distinct ratios) count as "at least".
            if (max - min >= observed - 1e-12) {
                atLeast++;
            }
        }
        return new Result(observed, names[lo], names[hi], (1.0 + atLeast) / (1.0 + PERMUTATIONS));
    }

    private static double mean(PromptSums[] units, int from, int to) {
        double sum = 0;
        long count = 0;
        for (int i = from; i < to; i++) {
            sum += units[i].sum();
            count += units[i].count();
        }
        return sum / count;
    }
}
