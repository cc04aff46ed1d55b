package org.specfair.decode;

import org.specfair.lm.FloatSoftmax;
import org.specfair.lm.nn.HostFloats;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * The divergence metrics of one chunk of positions, computed on the device from the two models'
 * logits {@code [R, V]}; only {@code R} numbers per metric come back to the host.
 *
 * <p>Every metric is a sum over the vocabulary of a distribution times a log-ratio, each in the
 * form that has no large cancellation: KL(P||Q) = sum p (log p - log q), JS = (KL(P||M) + KL(Q||M)) / 2
 * with M = (P + Q) / 2, alpha = sum min(p, q), TV = 1 - alpha. The math is float32 without
 * denormals ({@link FloatSoftmax}); against a float64 reference the absolute error is below 2e-6
 * (DivergenceMathTest). Arrays that are not needed again are overwritten in place: on a CPU each
 * fresh array is a pass over newly faulted-in memory.
 */
public final class DivergenceMath {
    /** Per-position results of one chunk. */
    public record Chunk(double[] pTok, double[] qTok, double[] klPQ, double[] klQP, double[] js, double[] tv,
                 double[] hP, double[] hQ, boolean[] argmaxAgrees) {}

    private static volatile boolean kernel = true;

    private DivergenceMath() {}

    /** Whether CPU float32 logits go through {@link DivergenceKernel} (default on; tests and benchmarks compare both). */
    public static void useKernel(boolean on) {
        kernel = on;
    }

    /**
     * @param mainLogits      {@code [R, V]} float32
     * @param assistantLogits {@code [R, V]} float32, same device
     * @param tokens          the emitted token at each of the R positions
     * @param temperature     the scoring temperature (logits are divided by it)
     * @param tokensAreMainArgmax whether each token is the main model's argmax at its position (greedy
     *                        decoding by the main model): then argmax agreement is "the token is also the
     *                        assistant's top logit", read from numbers fetched anyway, and the two argmax
     *                        passes over the vocabulary (a sixth of this method's time on a CPU) are skipped
     * @param knownP          the main logits' softmax normalizers as decoding computed them, or null
     *                        (then computed here); only valid at temperature 1
     * @param knownQ          the same for the assistant
     */
    public static Chunk of(NDArray mainLogits, NDArray assistantLogits, long[] tokens, double temperature, boolean tokensAreMainArgmax,
                    FloatSoftmax.HostNormalizer knownP, FloatSoftmax.HostNormalizer knownQ) {
        if ((knownP != null || knownQ != null) && temperature != 1.0) {
            throw new IllegalArgumentException("decoding's normalizers are for temperature 1, not " + temperature);
        }
        if (kernel && twoDimensional(mainLogits) && twoDimensional(assistantLogits)
                && HostFloats.javaKernels(mainLogits) && HostFloats.javaKernels(assistantLogits)) {
            int vocab = Math.toIntExact(mainLogits.getShape().get(1));
            return DivergenceKernel.of(mainLogits.toByteBuffer(true).asFloatBuffer(), assistantLogits.toByteBuffer(true).asFloatBuffer(),
                    tokens.length, vocab, tokens, temperature, tokensAreMainArgmax, knownP, knownQ);
        }
        NDArray zp = temperature == 1.0 ? mainLogits : mainLogits.div((float) temperature);
        NDArray zq = temperature == 1.0 ? assistantLogits : assistantLogits.div((float) temperature);
        int rows = tokens.length;
        NDArray tok = zp.getManager().create(tokens, new Shape(rows, 1));
        FloatSoftmax.Distribution dp = knownP == null ? FloatSoftmax.distribution(zp)
                : FloatSoftmax.distribution(zp, FloatSoftmax.Normalizer.of(zp.getManager(), knownP));
        FloatSoftmax.Distribution dq = knownQ == null ? FloatSoftmax.distribution(zq)
                : FloatSoftmax.distribution(zq, FloatSoftmax.Normalizer.of(zq.getManager(), knownQ));
        double[] pTok = exp((knownP != null ? knownP : dp.normalizer().toHost()).logProbs(zp.gather(tok, 1).toFloatArray()));
        float[] zqTok = zq.gather(tok, 1).toFloatArray();
        FloatSoftmax.HostNormalizer hq = knownQ != null ? knownQ : dq.normalizer().toHost();
        double[] qTok = exp(hq.logProbs(zqTok));
        boolean[] agrees = new boolean[rows];
        if (tokensAreMainArgmax) {
            for (int i = 0; i < rows; i++) {
                agrees[i] = zqTok[i] == hq.max()[i];
            }
        } else {
            long[] argmaxP = zp.argMax(-1).toType(DataType.INT64, false).toLongArray();
            long[] argmaxQ = zq.argMax(-1).toType(DataType.INT64, false).toLongArray();
            for (int i = 0; i < rows; i++) {
                agrees[i] = argmaxP[i] == argmaxQ[i];
            }
        }

        NDArray lp = dp.logProbs();
        NDArray p = dp.probs();
        NDArray lq = dq.logProbs();
        NDArray q = dq.probs();
        NDArray logM = p.add(q).muli(0.5f).log();           // m >= e^-71 / 2 thanks to the floor: finite, normal
        double[] alpha = rowSums(p.minimum(q));
        NDArray d = lp.sub(lq);
        double[] klPQ = rowSums(d.mul(p));
        double[] klQP = negate(rowSums(d.muli(q)));
        double[] klPM = rowSums(lp.sub(logM).muli(p));
        double[] klQM = rowSums(lq.sub(logM).muli(q));
        double[] hP = negate(rowSums(lp.muli(p)));            // last uses of lp and lq: overwritten
        double[] hQ = negate(rowSums(lq.muli(q)));

        double[] js = new double[rows];
        double[] tv = new double[rows];
        for (int i = 0; i < rows; i++) {
            // Each is >= 0 mathematically; float rounding may leave -1e-8.
            klPQ[i] = Math.max(0, klPQ[i]);
            klQP[i] = Math.max(0, klQP[i]);
            js[i] = Math.max(0, 0.5 * (klPM[i] + klQM[i]));
            tv[i] = Math.max(0, 1 - alpha[i]);
        }
        return new Chunk(pTok, qTok, klPQ, klQP, js, tv, hP, hQ, agrees);
    }

    private static boolean twoDimensional(NDArray x) {
        return x.getShape().dimension() == 2;
    }

    private static double[] rowSums(NDArray x) {
        float[] s = x.sum(new int[] {-1}).toFloatArray();
        double[] out = new double[s.length];
        for (int i = 0; i < s.length; i++) {
            out[i] = s[i];
        }
        return out;
    }

    private static double[] negate(double[] x) {
        for (int i = 0; i < x.length; i++) {
            x[i] = -x[i];
        }
        return x;
    }

    private static double[] exp(double[] x) {
        for (int i = 0; i < x.length; i++) {
            x[i] = Math.exp(x[i]);
        }
        return x;
    }
}
