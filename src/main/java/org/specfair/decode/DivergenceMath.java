package org.specfair.decode;

import org.specfair.lm.FloatSoftmax;
import org.specfair.lm.nn.HostFloats;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.util.List;

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
            return DivergenceKernel.of(rowsOf(mainLogits, tokens.length, vocab), rowsOf(assistantLogits, tokens.length, vocab),
                    vocab, tokens, temperature, tokensAreMainArgmax, knownP, knownQ);
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

    /**
     * As {@link #of(NDArray, NDArray, long[], double, boolean, FloatSoftmax.HostNormalizer, FloatSoftmax.HostNormalizer)},
     * for positions whose logits are separate {@code [V]} arrays (the scoring pass's kept views into decoding's
     * outputs). On the Java kernel's path each is read where it lies: stacking them first into {@code [R, V]} copies
     * (batch 16, gpt-neo-125M shapes: 768 positions x 2 models x 201 KB) took a third of the scoring pass. Otherwise
     * they are stacked (as float32, the assistant's moved to the main model's device) for torch's ops.
     */
    public static Chunk of(List<NDArray> mainLogits, List<NDArray> assistantLogits, long[] tokens, double temperature,
                           boolean tokensAreMainArgmax, FloatSoftmax.HostNormalizer knownP, FloatSoftmax.HostNormalizer knownQ) {
        if (mainLogits.size() != tokens.length || assistantLogits.size() != tokens.length) {
            throw new IllegalArgumentException(mainLogits.size() + " main and " + assistantLogits.size() + " assistant rows for "
                    + tokens.length + " tokens");
        }
        if ((knownP != null || knownQ != null) && temperature != 1.0) {
            throw new IllegalArgumentException("decoding's normalizers are for temperature 1, not " + temperature);
        }
        if (kernel && kernelRows(mainLogits) && kernelRows(assistantLogits)) {
            int vocab = Math.toIntExact(mainLogits.get(0).size());
            java.nio.FloatBuffer[] p = new java.nio.FloatBuffer[tokens.length];
            java.nio.FloatBuffer[] q = new java.nio.FloatBuffer[tokens.length];
            for (int i = 0; i < tokens.length; i++) {
                p[i] = mainLogits.get(i).toByteBuffer(true).asFloatBuffer();
                q[i] = assistantLogits.get(i).toByteBuffer(true).asFloatBuffer();
            }
            return DivergenceKernel.of(p, q, vocab, tokens, temperature, tokensAreMainArgmax, knownP, knownQ);
        }
        try (NDManager scope = mainLogits.get(0).getManager().newSubManager()) {
            NDArray p = stack(scope, mainLogits);
            NDArray q = stack(scope, assistantLogits);
            return of(p, q.toDevice(p.getDevice(), false), tokens, temperature, tokensAreMainArgmax, knownP, knownQ);
        }
    }

    /** Whether every row is a {@code [V]} array (V the same) that the Java kernel reads. */
    private static boolean kernelRows(List<NDArray> rows) {
        long vocab = rows.get(0).size();
        for (NDArray x : rows) {
            if (x.getShape().dimension() != 1 || x.size() != vocab || !HostFloats.javaKernels(x)) {
                return false;
            }
        }
        return true;
    }

    /** {@code [n, V]} from n {@code [V]} arrays, as float32, in {@code scope}. */
    private static NDArray stack(NDManager scope, List<NDArray> rows) {
        NDArray out = NDArrays.stack(new NDList(rows), 0);
        out.attach(scope);
        return out.getDataType() == DataType.FLOAT32 ? out : out.toType(DataType.FLOAT32, false);
    }

    /** Row r of a row-major {@code [rows, V]} array, as a buffer over its memory. */
    private static java.nio.FloatBuffer[] rowsOf(NDArray x, int rows, int vocab) {
        java.nio.FloatBuffer all = x.toByteBuffer(true).asFloatBuffer();
        java.nio.FloatBuffer[] out = new java.nio.FloatBuffer[rows];
        for (int r = 0; r < rows; r++) {
            out[r] = all.slice(r * vocab, vocab);
        }
        return out;
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
