package org.specfair.decode;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Turns logits into the distribution that is sampled from (temperature, then top-k, then top-p,
 * in Hugging Face's order) and draws from it. Works on host copies; never mutates its input.
 */
public final class Sampler {
    private final double temperature;
    private final int topK;
    private final double topP;

    public Sampler(double temperature, int topK, double topP) {
        if (temperature <= 0) {
            throw new IllegalArgumentException("sampling needs temperature > 0");
        }
        this.temperature = temperature;
        this.topK = topK;
        this.topP = topP;
    }

    /** Probabilities over the vocabulary for logits {@code logits[offset .. offset+vocab)}. */
    public double[] distribution(float[] logits, int offset, int vocab) {
        double[] p = new double[vocab];
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < vocab; i++) {
            p[i] = logits[offset + i] / temperature;
            max = Math.max(max, p[i]);
        }
        if (topK > 0 && topK < vocab) {
            double kth = kthLargest(p, topK);
            for (int i = 0; i < vocab; i++) {
                if (p[i] < kth) {
                    p[i] = Double.NEGATIVE_INFINITY;
                }
            }
        }
        double sum = 0;
        for (int i = 0; i < vocab; i++) {
            p[i] = Math.exp(p[i] - max);
            sum += p[i];
        }
        if (!(sum > 0) || Double.isNaN(max)) {
            throw new NanLogitsException(-1);
        }
        for (int i = 0; i < vocab; i++) {
            p[i] /= sum;
        }
        if (topP < 1.0) {
            keepNucleus(p);
        }
        return p;
    }

    /** Keeps the smallest set of most likely tokens whose mass reaches topP (always at least one), renormalised. */
    private void keepNucleus(double[] p) {
        Integer[] order = new Integer[p.length];
        for (int i = 0; i < p.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> p[b] != p[a] ? Double.compare(p[b], p[a]) : Integer.compare(a, b));
        double cum = 0;
        int keep = 0;
        while (keep < p.length && (keep == 0 || cum < topP)) {
            cum += p[order[keep++]];
        }
        double kept = 0;
        for (int j = keep; j < p.length; j++) {
            p[order[j]] = 0;
        }
        for (double v : p) {
            kept += v;
        }
        for (int i = 0; i < p.length; i++) {
            p[i] /= kept;
        }
    }

    private static double kthLargest(double[] v, int k) {
        double[] copy = v.clone();
        Arrays.sort(copy);
        return copy[copy.length - k];
    }

    /** Inverse-CDF draw: one uniform from {@code rng} per call. */
    public static int draw(double[] p, SplittableRandom rng) {
        double u = rng.nextDouble();
        double cum = 0;
        int last = 0;
        for (int i = 0; i < p.length; i++) {
            if (p[i] > 0) {
                cum += p[i];
                last = i;
                if (u < cum) {
                    return i;
                }
            }
        }
        return last; // rounding: u landed beyond the summed mass
    }
}
