package org.specfair.lm.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;

/**
 * y = x W^T + b with W stored {@code [out, in]} (nn.Linear's layout; Conv1D weights are transposed at load).
 *
 * <p>A pass over a few rows (a verify pass of k + 1 tokens, a batch-8 decode step) should cost about what one row
 * costs: each weight is read once from memory whatever the row count. Three paths, first match wins:
 * <ol>
 *   <li><b>Packed</b> (CPU, float32, any row count, no gradient): the model's
 *       {@link PackedMatrix} copy of W, a Java Vector API kernel that reads each weight once for four rows and keeps
 *       the partial sums in registers. It also makes a row's result independent of the other rows in the call.</li>
 *   <li><b>Few-row torch form</b> (no packed copy: GPU, half precision, a JVM without the Vector API module, or a
 *       {@code Linear} built without one): the rule below, which steers MKL to its better kernel.</li>
 *   <li>torch's {@code linear}.</li>
 * </ol>
 *
 * <p>Why the few-row torch form exists: torch's {@code linear} on CPU, for 2-16 rows, runs an sgemm (W transposed,
 * the rows as the narrow side) that streams a wide weight several times ({@code jobs/bench ops}, 2-core EPYC, MKL:
 * the 50257x768 LM head costs 9.7 ms for 1 row but 23 ms for 2 and 36 ms for 3). The same product written as
 * {@code W . x^T} (W untransposed, the rows as columns; the result transposed back) reads W once per 4 rows: 8-13 ms
 * for 2-6 rows, 17 ms for 8. Rule (fixed: the measurement holds for every wide or square matrix of the gpt2 /
 * gpt-neo shapes):
 * <ul>
 *   <li>2-8 rows through a weight with out >= in (head, fused q/k/v, MLP up, d x d projections): {@code W . x^T};</li>
 *   <li>9-16 rows: the same in blocks of 8, through a matrix bigger than the last-level cache only (the head);</li>
 *   <li>one row through a matrix bigger than the cache (the head): padded with a zero row to two for
 *       {@code W . x^T}, the first row kept (head, load 5: 7.7-8.2 ms against 9.1-9.2 ms with {@code linear};
 *       MKL's one-row kernel on this layout is slower than its two-row one);</li>
 *   <li>everything else keeps {@code linear}: one row through a layer matrix (the pad's two extra ops cost more
 *       than they save there: fused q/k/v 0.58 against 0.43 ms), narrow weights (out < in, the MLP down
 *       projection), more rows (GEMMs that are compute-bound anyway).</li>
 * </ul>
 *
 * <p>Forms measured and not adopted ({@code jobs/bench ops --more}; numbers in docs/design.md): for 5-8 rows, two
 * calls of at most 4 rows, padding to 8 rows, a batched 3-D {@code bmm} (none beats one call); for the narrow
 * weight, a contiguous {@code [in, out]} copy, {@code bmm}, per-row matrix-vector products (no better than
 * {@code linear}) and the inner dimension in four contiguous blocks (10-18% faster at 2-5 rows, 50% slower for one
 * row: it would need a second copy of the weight).
 *
 * <p>The weight must be {@code [out, in]} in memory, not only in shape: through a transposed view of {@code [in, out]}
 * data {@code W . x^T} is 10-40x slower than {@code linear}. GPT-2's Conv1D weights are therefore transposed in Java
 * while they are read ({@code Weights.takeConv1D}), not with torch's transpose + clone, which keeps the strides.
 * The price: MKL's one-row product is fastest on {@code [in, out]} data (a gpt2 layer's four products, 1 row:
 * 1.25 ms that way, 1.58 ms {@code [out, in]}), which GPT-2 pays now as GPT-Neo and LLaMA always did.
 */
public record Linear(NDArray weight, NDArray bias, PackedWeights packed) {
    /** A product with torch's kernels only (no packed copy). */
    public Linear(NDArray weight, NDArray bias) {
        this(weight, bias, null);
    }

    /** Up to this many rows a matrix bigger than the cache is applied as {@code W . x^T} (in blocks): at 16 it still beats linear for the head. */
    public static final int FEW_ROWS = 16;
    /**
     * Rows per {@code W . x^T} call: beyond 8 MKL's kernel gets slower than two calls of 8 (head, quiet machine:
     * 8 rows 17 ms, 12 rows 40 ms, 16 rows 52 ms in one call; linear 63 ms for 16).
     */
    static final int CHUNK_ROWS = 8;
    /**
     * 9-16 rows go in blocks of 8 only through a matrix bigger than the last-level cache (32 MB here; the LM head:
     * 154 MB at 50257x768), which torch's GEMM streams from memory once per internal pass. Smaller ones (every
     * gpt2/gpt-neo-125M layer matrix) stay partly cached between its passes, and {@code linear} beats two blocks there
     * ({@code jobs/bench engine}: prefill of 12 tokens and batch-16 steps).
     */
    static final long STREAMED_BYTES = 32L << 20;

    private static volatile boolean fewRowForm = true;
    private static final ReusedFloats PRODUCT_INPUT = new ReusedFloats();
    private static final ReusedFloats PRODUCT_OUTPUT = new ReusedFloats();

    /** Turns the few-row form off (true: on, the default); only for benchmarks that compare both in one run. */
    public static void useFewRowForm(boolean on) {
        fewRowForm = on;
    }

    private boolean streamed() {
        return weight.size() * weight.getDataType().getNumOfBytes() >= STREAMED_BYTES;
    }

    /**
     * {@code parts[i].apply(x)} for every part, which share their input (q, k and v; LLaMA's gate and up). On the
     * packed path the parts' matrices are packed stacked, as one {@code [sum of outs, in]} matrix, and applied in one
     * product whose result is split: one call instead of three saves the per-product overhead (GPT-Neo's q, k, v:
     * 0.219 -> 0.170 ms for one row, 0.327 -> 0.213 for five), and the numbers are the same as three products (each
     * output is still its own FMA chain). Elsewhere (training, GPU, half precision) it is the parts one by one.
     */
    public static NDArray[] applyAll(NDArray x, Linear... parts) {
        PackedWeights packs = parts[0].packed;
        long in = parts[0].weight.getShape().get(1);
        long rows = x.size() / in;
        boolean packable = packs != null && x.getDataType() == ai.djl.ndarray.types.DataType.FLOAT32 && !x.hasGradient();
        NDArray[] weights = new NDArray[parts.length];
        NDArray[] biases = new NDArray[parts.length];
        for (int i = 0; i < parts.length; i++) {
            weights[i] = parts[i].weight;
            biases[i] = parts[i].bias;
            packable &= parts[i].packed == packs && !weights[i].hasGradient();
        }
        PackedMatrix p = packable ? packs.forRowsStacked(weights, biases, rows) : null;
        NDArray[] out = new NDArray[parts.length];
        if (p == null) {
            for (int i = 0; i < parts.length; i++) {
                out[i] = parts[i].apply(x);
            }
            return out;
        }
        NDArray all = packedProduct(p, x, rows);
        long[] cuts = new long[parts.length - 1];
        long at = 0;
        for (int i = 0; i < cuts.length; i++) {
            at += weights[i].getShape().get(0);
            cuts[i] = at;
        }
        ai.djl.ndarray.NDList split = all.split(cuts, all.getShape().dimension() - 1);
        for (int i = 0; i < parts.length; i++) {
            out[i] = split.get(i);
        }
        return out;
    }

    public NDArray apply(NDArray x) {
        long out = weight.getShape().get(0);
        long in = weight.getShape().get(1);
        long rows = x.size() / in;
        PackedMatrix p = packed == null || x.getDataType() != ai.djl.ndarray.types.DataType.FLOAT32 || x.hasGradient() || weight.hasGradient()
                ? null : packed.forRows(weight, bias, rows);
        if (p != null) {
            return packedProduct(p, x, rows);
        }
        boolean padOne = fewRowForm && rows == 1 && out >= in && streamed(); // the head: 2 rows cost less than 1
        if (padOne || fewRowForm && rows > 1 && out >= in && (rows <= CHUNK_ROWS || rows <= FEW_ROWS && streamed())) {
            NDArray flat = x.reshape(rows, in);
            if (padOne) {
                flat = NDArrays.concat(new NDList(flat, flat.zerosLike()), 0);
            }
            NDList parts = new NDList();
            for (long from = 0; from < rows; from += CHUNK_ROWS) {
                NDArray block = rows <= CHUNK_ROWS ? flat : flat.get(from + ":" + Math.min(rows, from + CHUNK_ROWS));
                NDArray wx = weight.matMul(block.transpose()); // (out, block rows), W read once per block
                wx.attach(x.getManager()); // results belong to the caller's scope, never to the model's manager
                parts.add(wx.transpose());
            }
            // Row order in memory (concat copies; flatten copies a single transposed view): callers keep per-row
            // views of the logits and read a row's V values, which must be adjacent (a copy of ~1% of the product).
            NDArray y = parts.size() == 1 ? parts.get(0).flatten().reshape(flat.getShape().get(0), out) : NDArrays.concat(parts, 0);
            if (padOne) {
                y = y.get("0:1");
            }
            if (bias != null) {
                y = y.add(bias);
            }
            long[] shape = x.getShape().getShape().clone();
            shape[shape.length - 1] = out;
            return y.reshape(new Shape(shape));
        }
        return bias == null
                ? ai.djl.nn.core.Linear.linear(x, weight).singletonOrThrow()
                : ai.djl.nn.core.Linear.linear(x, weight, bias).singletonOrThrow();
    }

    /**
     * {@code x W^T + b} through a packed matrix, into an array that torch allocated (and so owns). Input and output
     * pass through the thread's reused arrays ({@link ReusedFloats}: a pass's logits would be a humongous object).
     */
    private static NDArray packedProduct(PackedMatrix p, NDArray x, long rows) {
        int r = Math.toIntExact(rows);
        float[] in = HostFloats.copyOut(x, PRODUCT_INPUT.take(Math.multiplyExact(r, p.in())));
        float[] y = PRODUCT_OUTPUT.take(Math.multiplyExact(r, p.out()));
        p.applyInto(in, r, y);
        long[] shape = x.getShape().getShape().clone();
        shape[shape.length - 1] = p.out();
        return HostFloats.copyIn(x.getManager(), new Shape(shape), y, r * p.out());
    }
}
