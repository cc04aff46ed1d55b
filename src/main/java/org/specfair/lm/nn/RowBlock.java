package org.specfair.lm.nn;

import org.specfair.lm.ForwardBatch;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * A pre-LayerNorm GPT block (GPT-2, GPT-Neo) on the CPU row path: the whole pass after the embeddings runs in Java
 * on float arrays, with the model's {@link PackedMatrix} copies for the products and {@link RowAttention}:
 * <pre>
 *   x += out(attention(qkv(ln1(x))))
 *   x += proj(act(fc(ln2(x))))
 * </pre>
 * then the final norm. The same block as the architectures' torch code, the same weights.
 *
 * <p>Why: at gpt-neo-125M shapes a decode step streams ~500 MB of weights (~11 ms at this machine's ~45 GB/s), and
 * the ~35 torch ops per layer between the products (norms, reshapes, attention, GELU in six ops, residual adds)
 * cost another 3-4 ms. In Java they are a few microseconds per row, the pass makes no intermediate tensors, and the
 * products take float arrays directly instead of copying out of and into tensors.
 *
 * <p>When: inference (no gradient) of a model on the CPU in float32 whose products all have packed copies
 * ({@link PackedWeights}), with a supported activation, for passes of up to {@link #MAX_WIDTH} tokens per row, however
 * many rows; otherwise the architecture runs its torch ops. The choice depends on configuration and the pass's
 * width only, never on timing or on how many rows share the pass. Rows are computed independently of each other
 * (norms per row, products per output chain, attention per query), so a row's numbers do not depend on its batch
 * mates.
 *
 * @param qkv   GPT-2's fused c_attn, or GPT-Neo's q, k, v (applied stacked, as {@link Linear#applyAll})
 * @param scale multiplier on q.k (1/sqrt(hd) for GPT-2, 1 for GPT-Neo)
 */
public record RowBlock(LayerNorm ln1, Linear[] qkv, Linear out, LayerNorm ln2, Linear fc, Linear proj,
                       int heads, boolean local, float scale) {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final double SQRT_2_OVER_PI = Math.sqrt(2.0 / Math.PI);
    /**
     * Longest pass per row (tokens fed to one row) the row path takes; longer ones (a long prompt's prefill) go to
     * torch, whose batched attention matmuls beat this per-query loop there. Decode, verify and short-prompt passes
     * are far below it.
     */
    public static final int MAX_WIDTH = 256;
    private static volatile boolean enabled = !"false".equals(System.getProperty("specfair.rowpath"));
    private static final java.util.concurrent.atomic.AtomicLong PASSES = new java.util.concurrent.atomic.AtomicLong();
    /**
     * The pass's arrays, per thread (no per-pass garbage: a long pass's are humongous objects, {@link ReusedFloats}).
     * Each is longer than a pass may need; lengths come from the row count.
     */
    private static final ReusedFloats RESIDUAL = new ReusedFloats();
    private static final ReusedFloats NORMED = new ReusedFloats();
    private static final ReusedFloats QKV = new ReusedFloats();
    private static final ReusedFloats ATTENDED = new ReusedFloats();
    private static final ReusedFloats PROJECTED = new ReusedFloats();
    private static final ReusedFloats INNER = new ReusedFloats();
    /** geluTanh's per-chunk t and exp values (a chunk stays in L1). */
    private static final ReusedFloats GELU_SCRATCH = new ReusedFloats();
    private static final int GELU_CHUNK = 1024;

    /** Passes that took the row path in this JVM (tests and benchmarks check which path ran). */
    public static long passes() {
        return PASSES.get();
    }

    /** Turns the row path on or off for every model (benchmarks and tests compare both; default on). */
    public static void use(boolean on) {
        enabled = on;
    }

    /** The activations the row path computes (others keep torch's ops). */
    public static boolean supports(String activation) {
        return switch (activation) {
            case "gelu_new", "gelu_pytorch_tanh", "gelu_fast", "relu" -> true;
            default -> false;
        };
    }

    /** One block's packed matrices. */
    private record Products(PackedMatrix qkv, PackedMatrix out, PackedMatrix fc, PackedMatrix proj) {}

    /**
     * The hidden states {@code [B, T, D]} after the blocks and the final norm, computed on the row path from the
     * embeddings {@code x} ({@code [B, T, D]}); or null when this pass must run the torch ops instead.
     */
    public static NDArray hidden(ForwardBatch b, NDArray x, RowBlock[] blocks, LayerNorm lnF, String activation,
                                 PackedWeights packed) {
        if (!enabled || packed == null || !supports(activation) || x.hasGradient() || x.getDataType() != DataType.FLOAT32) {
            return null;
        }
        if (b.width > MAX_WIDTH) {
            return null;
        }
        long n = (long) b.rows * b.width;
        // Everything the pass reads is fetched before anything is computed (the attention writes the KV cache).
        Products[] products = new Products[blocks.length];
        float[][][] norms = new float[blocks.length][][];
        for (int i = 0; i < blocks.length; i++) {
            RowBlock blk = blocks[i];
            products[i] = blk.trainable() ? null : blk.products(packed);
            norms[i] = packed.vectors(blk.ln1.weight(), blk.ln1.bias(), blk.ln2.weight(), blk.ln2.bias());
            if (products[i] == null || norms[i] == null) {
                return null;
            }
        }
        if (lnF.weight().hasGradient() || lnF.bias().hasGradient()) {
            return null;
        }
        float[][] finalNorm = packed.vectors(lnF.weight(), lnF.bias());
        if (finalNorm == null) {
            return null;
        }
        int rows = Math.toIntExact(n);
        int d = finalNorm[0].length;
        float[] h = HostFloats.copyOut(x, RESIDUAL.take(rows * d));
        for (int i = 0; i < blocks.length; i++) {
            blocks[i].apply(b, i, h, rows, products[i], norms[i], activation);
        }
        float[] y = layerNorm(h, rows, finalNorm[0], finalNorm[1], lnF.eps(), NORMED.take(rows * d));
        PASSES.incrementAndGet();
        return HostFloats.copyIn(b.scope, x.getShape(), y, rows * d);
    }

    /**
     * Whether a weight of this block takes part in training (a gradient is asked of it): the row path reads copies,
     * so a weight changed in place (a training step, a finite-difference probe) must keep every pass on torch's ops.
     */
    private boolean trainable() {
        for (Linear l : qkv) {
            if (l.weight().hasGradient()) {
                return true;
            }
        }
        return ln1.weight().hasGradient() || ln1.bias().hasGradient() || out.weight().hasGradient() || ln2.weight().hasGradient()
                || ln2.bias().hasGradient() || fc.weight().hasGradient() || proj.weight().hasGradient()
                || out.bias() != null && out.bias().hasGradient() || fc.bias() != null && fc.bias().hasGradient()
                || proj.bias() != null && proj.bias().hasGradient() || qkv[0].bias() != null && qkv[0].bias().hasGradient();
    }

    /**
     * The block's packed copies. They are asked for as for one row: the row path runs the kernel on all of a pass's
     * rows whatever their number (up to {@link #MAX_WIDTH} per row), so that how a job batches its prompts never
     * decides between the kernel and torch (they round differently).
     */
    private Products products(PackedWeights packed) {
        PackedMatrix q;
        if (qkv.length == 1) {
            q = packed.forRows(qkv[0].weight(), qkv[0].bias(), 1);
        } else {
            NDArray[] weights = new NDArray[qkv.length];
            NDArray[] biases = new NDArray[qkv.length];
            for (int i = 0; i < qkv.length; i++) {
                weights[i] = qkv[i].weight();
                biases[i] = qkv[i].bias();
            }
            q = packed.forRowsStacked(weights, biases, 1);
        }
        PackedMatrix o = packed.forRows(out.weight(), out.bias(), 1);
        PackedMatrix f = packed.forRows(fc.weight(), fc.bias(), 1);
        PackedMatrix p = packed.forRows(proj.weight(), proj.bias(), 1);
        return q == null || o == null || f == null || p == null ? null : new Products(q, o, f, p);
    }

    /** The block on {@code n} rows of the residual stream {@code x} (its first {@code n * D} floats), in place. */
    private void apply(ForwardBatch b, int layer, float[] x, int n, Products p, float[][] norms, String activation) {
        int d = norms[0].length;
        float[] normed = layerNorm(x, n, norms[0], norms[1], ln1.eps(), NORMED.take(n * d));
        float[] qkvRows = QKV.take(n * p.qkv.out());
        p.qkv.applyInto(normed, n, qkvRows);
        float[] attended = RowAttention.apply(b, layer, qkvRows, d, heads, local, scale, p.qkv.threads(), ATTENDED.take(n * d));
        float[] projected = PROJECTED.take(n * d);
        p.out.applyInto(attended, n, projected);
        addInto(x, projected, n * d);
        normed = layerNorm(x, n, norms[2], norms[3], ln2.eps(), normed);
        int width = n * p.fc.out();
        float[] inner = INNER.take(width);
        p.fc.applyInto(normed, n, inner);
        if (activation.equals("relu")) {
            for (int i = 0; i < width; i++) {
                inner[i] = Math.max(0f, inner[i]);
            }
        } else {
            geluTanh(inner, width);
        }
        p.proj.applyInto(inner, n, projected);
        addInto(x, projected, n * d);
    }

    private static void addInto(float[] x, float[] y, int length) {
        for (int i = 0; i < length; i++) {
            x[i] += y[i];
        }
    }

    /**
     * LayerNorm of each row of {@code x} ({@code n} rows): mean and biased variance summed in double, in index order.
     * Four rows go through each loop together: a row's sums are chains of dependent double adds, and four chains in
     * flight cost about what one does (a verify pass's or a batch step's rows); a row's bits stay its own.
     */
    static float[] layerNorm(float[] x, int n, float[] weight, float[] bias, float eps) {
        return layerNorm(x, n, weight, bias, eps, new float[n * weight.length]);
    }

    /** As above, into the first {@code n * D} floats of {@code y} (returned). */
    static float[] layerNorm(float[] x, int n, float[] weight, float[] bias, float eps, float[] y) {
        int d = weight.length;
        int r = 0;
        for (; r + 4 <= n; r += 4) {
            int a0 = r * d;
            int a1 = a0 + d;
            int a2 = a1 + d;
            int a3 = a2 + d;
            double s0 = 0;
            double s1 = 0;
            double s2 = 0;
            double s3 = 0;
            for (int i = 0; i < d; i++) {
                s0 += x[a0 + i];
                s1 += x[a1 + i];
                s2 += x[a2 + i];
                s3 += x[a3 + i];
            }
            float m0 = (float) (s0 / d);
            float m1 = (float) (s1 / d);
            float m2 = (float) (s2 / d);
            float m3 = (float) (s3 / d);
            double q0 = 0;
            double q1 = 0;
            double q2 = 0;
            double q3 = 0;
            for (int i = 0; i < d; i++) {
                double c0 = x[a0 + i] - m0;
                double c1 = x[a1 + i] - m1;
                double c2 = x[a2 + i] - m2;
                double c3 = x[a3 + i] - m3;
                q0 += c0 * c0;
                q1 += c1 * c1;
                q2 += c2 * c2;
                q3 += c3 * c3;
            }
            normalize(x, y, a0, m0, q0, weight, bias, eps);
            normalize(x, y, a1, m1, q1, weight, bias, eps);
            normalize(x, y, a2, m2, q2, weight, bias, eps);
            normalize(x, y, a3, m3, q3, weight, bias, eps);
        }
        for (; r < n; r++) {
            int at = r * d;
            double sum = 0;
            for (int i = 0; i < d; i++) {
                sum += x[at + i];
            }
            float mean = (float) (sum / d);
            double squares = 0;
            for (int i = 0; i < d; i++) {
                double c = x[at + i] - mean;
                squares += c * c;
            }
            normalize(x, y, at, mean, squares, weight, bias, eps);
        }
        return y;
    }

    /** One row: {@code (x - mean) / sqrt(squares / d + eps) * weight + bias}. */
    private static void normalize(float[] x, float[] y, int at, float mean, double squares, float[] weight, float[] bias, float eps) {
        int d = weight.length;
        float rstd = (float) (1 / Math.sqrt(squares / d + eps));
        for (int i = 0; i < d; i++) {
            y[at + i] = (x[at + i] - mean) * rstd * weight[i] + bias[i];
        }
    }

    /**
     * GPT-2's "gelu_new" in place on the first {@code length} floats of {@code v}, as {@link Activations#geluTanh}:
     * x sigmoid(2z), 2z = x (c + c 0.044715 x^2), c = 2 sqrt(2/pi), with sigmoid(t) = 1 / (1 + e^-t) for t >= 0 and
     * e^t / (1 + e^t) below (exp of a non-positive number only, {@link ExactMath#expInPlace}).
     */
    static void geluTanh(float[] v, int length) {
        float c = (float) (2 * SQRT_2_OVER_PI);
        float c3 = (float) (2 * SQRT_2_OVER_PI * 0.044715);
        // per chunk: t and exp's argument into the scratch, exp in place there, then the sigmoid (exp takes arrays:
        // see ExactMath on why no vector crosses a call)
        float[] scratch = GELU_SCRATCH.take(2 * GELU_CHUNK); // [0, CHUNK): t; [CHUNK, 2 CHUNK): e^-|t|
        for (int from = 0; from < length; from += GELU_CHUNK) {
            int n = Math.min(GELU_CHUNK, length - from);
            int j = 0;
            for (; j + L <= n; j += L) {
                FloatVector x = FloatVector.fromArray(S, v, from + j);
                FloatVector t = x.mul(x).mul(c3).add(c).mul(x);
                t.intoArray(scratch, j);
                t.abs().neg().max(-87f).intoArray(scratch, GELU_CHUNK + j);
            }
            for (; j < n; j++) {
                float x = v[from + j];
                float t = x * x * c3 + c;
                t = t * x;
                scratch[j] = t;
                scratch[GELU_CHUNK + j] = Math.max(-Math.abs(t), -87f);
            }
            ExactMath.expInPlace(scratch, GELU_CHUNK, GELU_CHUNK + n);
            j = 0;
            for (; j + L <= n; j += L) {
                FloatVector e = FloatVector.fromArray(S, scratch, GELU_CHUNK + j);
                FloatVector sigmoidAbs = FloatVector.broadcast(S, 1f).div(e.add(1f));
                VectorMask<Float> negative = FloatVector.fromArray(S, scratch, j).lt(0f);
                FloatVector sigmoid = sigmoidAbs.blend(e.mul(sigmoidAbs), negative);
                FloatVector.fromArray(S, v, from + j).mul(sigmoid).intoArray(v, from + j);
            }
            for (; j < n; j++) {
                float e = scratch[GELU_CHUNK + j];
                float sigmoidAbs = 1f / (e + 1f);
                v[from + j] *= scratch[j] < 0f ? e * sigmoidAbs : sigmoidAbs;
            }
        }
    }

}
