package org.specfair.decode;

import java.util.SplittableRandom;

/**
 * Decides which draft tokens the main model keeps. Pure functions of (draft, p, q, random stream):
 * no model calls, inputs never mutated; names follow Leviathan et al. (2023).
 */
public final class Verifier {
    private Verifier() {}

    /** n accepted tokens and the main model's token that follows them (correction or bonus). */
    public record Verdict(int nMatches, int next) {}

    /**
     * Greedy: the longest prefix of {@code draft} equal to the main model's argmax, then the main
     * model's own token. {@code mainArgmax[i]} is the main argmax after the i-th draft token's prefix
     * (length draft.length + 1).
     */
    public static Verdict greedy(int[] draft, int[] mainArgmax) {
        int n = 0;
        while (n < draft.length && draft[n] == mainArgmax[n]) {
            n++;
        }
        return new Verdict(n, mainArgmax[n]);
    }

    /**
     * Speculative sampling: accept draft token x_i with probability min(1, p_i(x_i) / q_i(x_i));
     * at the first rejection sample from normalize(max(p_i - q_i, 0)); if all are accepted sample a
     * bonus token from p_k. The result is distributed exactly as sampling from p alone.
     *
     * @param p main distributions, {@code draft.length + 1} of them
     * @param q assistant distributions the draft tokens were sampled from
     */
    public static Verdict sampling(int[] draft, double[][] p, double[][] q, SplittableRandom rng) {
        for (int i = 0; i < draft.length; i++) {
            int x = draft[i];
            double r = rng.nextDouble();
            if (r >= Math.min(1.0, p[i][x] / q[i][x])) {
                return new Verdict(i, Sampler.draw(residual(p[i], q[i]), rng));
            }
        }
        return new Verdict(draft.length, Sampler.draw(p[draft.length], rng));
    }

    /** normalize(max(p - q, 0)); falls back to p when the two are identical (rejection then has probability 0). */
    static double[] residual(double[] p, double[] q) {
        double[] out = new double[p.length];
        double sum = 0;
        for (int i = 0; i < p.length; i++) {
            out[i] = Math.max(p[i] - q[i], 0);
            sum += out[i];
        }
        if (sum <= 0) {
            return p.clone();
        }
        for (int i = 0; i < p.length; i++) {
            out[i] /= sum;
        }
        return out;
    }
}
