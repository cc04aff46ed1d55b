package org.specfair.lm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * Softmax over float32 logits {@code [..., V]} in which every intermediate is a normal float.
 *
 * <p>Why: a peaked model puts most of the vocabulary more than 87 nats below its top logit, where
 * float32 {@code exp} is denormal, and CPU arithmetic on denormals is 10-100x slower (a batch's
 * divergence metrics took 3 s instead of 0.3 s). Promoting to float64 avoids that but doubles the
 * bytes of every pass. Instead, only where probabilities are formed, logits are floored at
 * {@code max - 60}: a floored token's probability rises from below e^-60 (about 1e-26) to about
 * that, which moves any probability-weighted sum over the vocabulary by at most {@code V * 1e-26}
 * times the weighted quantity. Log-probabilities are never floored, so terms weighted by the other
 * model's probability (KL(Q||P) where P is tiny but Q is not) stay exact.
 */
public final class FloatSoftmax {
    /** Logits more than this many nats below the row's maximum are raised to it. */
    public static final float FLOOR = 60f;

    private FloatSoftmax() {}

    /** The per-row constants of a log-softmax: log p(x) = (logit(x) - max) - logSum. Both {@code [..., 1]}. */
    public record Normalizer(NDArray max, NDArray logSum) {
        /** Copies both to the host, one float per row. */
        public HostNormalizer toHost() {
            return new HostNormalizer(max.toFloatArray(), logSum.toFloatArray());
        }

        /** The device form {@code [rows, 1]} of host-side constants, in {@code scope}. */
        public static Normalizer of(NDManager scope, HostNormalizer host) {
            Shape shape = new Shape(host.max().length, 1);
            return new Normalizer(scope.create(host.max(), shape), scope.create(host.logSum(), shape));
        }
    }

    /** A {@link Normalizer} on the host: decoding fetches it anyway, and the scoring pass can reuse it. */
    public record HostNormalizer(float[] max, float[] logSum) {
        /**
         * log p for host-side logits {@code logits[i]} of row i, in double: the subtraction is exact, so the
         * only rounding is float32's in logSum (relative 1e-7), whatever the size of the logits.
         */
        public double[] logProbs(float[] logits) {
            double[] out = new double[logits.length];
            for (int i = 0; i < out.length; i++) {
                out[i] = ((double) logits[i] - max[i]) - logSum[i];
            }
            return out;
        }

        /** Rows {@code [from, from + count)}. */
        public HostNormalizer range(int from, int count) {
            return new HostNormalizer(java.util.Arrays.copyOfRange(max, from, from + count),
                    java.util.Arrays.copyOfRange(logSum, from, from + count));
        }

        /** {@code -logSum}: the log-probability of each row's argmax. */
        public double[] logProbOfMax() {
            double[] out = new double[logSum.length];
            for (int i = 0; i < out.length; i++) {
                out[i] = -(double) logSum[i];
            }
            return out;
        }
    }

    /** A full distribution: log p and p {@code [..., V]}, and its normalizer. */
    public record Distribution(NDArray logProbs, NDArray probs, Normalizer normalizer) {}

    public static Normalizer normalizer(NDArray logits) {
        NDArray max = logits.max(new int[] {-1}, true);
        NDArray logSum = logits.maximum(max.sub(FLOOR)).subi(max).exp().sum(new int[] {-1}, true).log();
        return new Normalizer(max, logSum);
    }

    public static Distribution distribution(NDArray logits) {
        NDArray max = logits.max(new int[] {-1}, true);
        NDArray shifted = logits.sub(max);                          // <= 0, unfloored
        NDArray exps = shifted.maximum(-FLOOR).exp();               // in [e^-60, 1]
        NDArray sum = exps.sum(new int[] {-1}, true);
        NDArray logSum = sum.log();
        // In place: shifted becomes log p, exps becomes p (each allocation is a pass over fresh memory).
        return new Distribution(shifted.subi(logSum), exps.divi(sum), new Normalizer(max, logSum));
    }

    /**
     * As {@link #distribution(NDArray)} with the normalizer already known (computed by {@link #normalizer}
     * over these same logits): skips the two reductions over the vocabulary.
     */
    public static Distribution distribution(NDArray logits, Normalizer known) {
        NDArray shifted = logits.sub(known.max());
        NDArray exps = shifted.maximum(-FLOOR).exp();
        return new Distribution(shifted.subi(known.logSum()), exps.divi(known.logSum().exp()), known);
    }
}
