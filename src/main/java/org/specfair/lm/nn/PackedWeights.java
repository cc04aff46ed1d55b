package org.specfair.lm.nn;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

import java.util.IdentityHashMap;
import java.util.Map;

/**
 * One model's {@link PackedMatrix} copies of its weight matrices, made on first use: the CPU few-row path of
 * {@link Linear}. A model gets them only when it runs on the CPU in float32 and the JVM has the Vector API module;
 * otherwise (GPU, half precision, no module, {@code -Dspecfair.packed=false}) every product stays torch's.
 *
 * <p>Every product of an inference pass takes the kernel, however many rows: its rows are computed independently, so
 * a row's numbers do not depend on how a job batched its prompts or chunked its scored positions, which a row-count
 * limit (torch beyond it; the two round differently) would break. Measured (`jobs/bench ops --rows
 * 16,32,64,128,256`, gpt-neo-125M shapes, 2-core EPYC): never slower than torch up to 256 rows (packed / linear
 * 0.36-0.53 on the head, 0.59-0.74 on the MLP matrices, 0.74-0.99 on fused q/k/v, a tie on 768x768; MKL runs AVX2
 * code on this AMD CPU, the kernel AVX-512), and 1.5x torch's rate on a 1024-row GEMM ({@code jobs/bench engine}).
 *
 * <p>The copies are a second, read-only copy of the weights in the Java heap (the size of the float32 checkpoint:
 * budget it in {@code -Xmx} / {@code spark.executor.memory}). Finetuning changes weights in place, so a model that is
 * about to be trained calls {@link #unfreeze()}: its copies are dropped and none are made again.
 */
public final class PackedWeights {
    private static final Logger LOG = LogManager.getLogger(PackedWeights.class);
    private static volatile boolean enabled = !"false".equals(System.getProperty("specfair.packed"));
    private static volatile boolean warned;

    private final boolean eligible;
    private final Map<NDArray, PackedMatrix> packs = new IdentityHashMap<>();
    /** Stacked copies ({@link Linear#applyAll}), by their first matrix. */
    private final Map<NDArray, PackedMatrix> stacked = new IdentityHashMap<>();
    /** Float copies of norm weights and biases ({@link RowBlock}). */
    private final Map<NDArray, float[]> vectors = new IdentityHashMap<>();
    private volatile boolean frozen = true;

    /** For a model whose weights live on {@code device} as {@code dtype}. */
    public PackedWeights(Device device, DataType dtype) {
        boolean cpu32 = Device.Type.CPU.equals(device.getDeviceType()) && dtype == DataType.FLOAT32;
        boolean module = PackedMatrix.available();
        if (cpu32 && !module && !warned) {
            warned = true;
            LOG.warn("the JVM lacks --add-modules jdk.incubator.vector: CPU few-row products use torch's sgemm"
                    + " (a speculative verify pass then costs ~1.3-2.5 decode steps instead of ~1)");
        }
        this.eligible = cpu32 && module;
    }

    /** Turns packed products on or off for every model (benchmarks compare both in one run; default on). */
    public static void use(boolean on) {
        enabled = on;
    }

    /** The weights are about to change in place (training): drop the copies and make none again. */
    public synchronized void unfreeze() {
        frozen = false;
        packs.clear();
        stacked.clear();
        vectors.clear();
    }

    /** The packed copy of {@code weight} (with {@code bias}, may be null) for a product over {@code rows} rows, or null to use torch. */
    PackedMatrix forRows(NDArray weight, NDArray bias, long rows) {
        return lookup(packs, new NDArray[] {weight}, new NDArray[] {bias}, rows);
    }

    /**
     * One packed copy of several matrices with the same input, stacked {@code [sum of outs, in]} (their biases
     * likewise; zeros for a part without one when another has one), for {@link Linear#applyAll}; or null.
     */
    PackedMatrix forRowsStacked(NDArray[] weights, NDArray[] biases, long rows) {
        return lookup(stacked, weights, biases, rows);
    }

    /** Float copies of small weight vectors (norms) for the row path, made on first use; null when the copies are off. */
    synchronized float[][] vectors(NDArray... weights) {
        if (!eligible || !frozen || !enabled) {
            return null;
        }
        float[][] out = new float[weights.length][];
        for (int i = 0; i < weights.length; i++) {
            out[i] = vectors.computeIfAbsent(weights[i], NDArray::toFloatArray);
        }
        return out;
    }

    /** The copy in {@code copies} (keyed by the first matrix), made on first use; null when torch must do it. */
    private PackedMatrix lookup(Map<NDArray, PackedMatrix> copies, NDArray[] weights, NDArray[] biases, long rows) {
        if (!eligible || !frozen || !enabled) {
            return null;
        }
        synchronized (this) {
            if (!frozen || !PackedMatrix.warmUp()) {
                return null;
            }
            PackedMatrix p = copies.get(weights[0]);
            if (p == null) {
                long size = 0;
                for (NDArray w : weights) {
                    size += w.size();
                }
                if (!roomFor(weights[0], size)) {
                    unfreeze(); // this model keeps torch's products from now on (logged once)
                    return null;
                }
                p = pack(weights, biases);
                copies.put(weights[0], p);
            }
            return p;
        }
    }

    /** Packs one matrix, or several stacked (their outputs one after the other). */
    private static PackedMatrix pack(NDArray[] weights, NDArray[] biases) {
        int threads = ProductThreads.threads();
        int in = Math.toIntExact(weights[0].getShape().get(1));
        if (weights.length == 1) {
            int out = Math.toIntExact(weights[0].getShape().get(0));
            return new PackedMatrix(weights[0].toFloatArray(), biases[0] == null ? null : biases[0].toFloatArray(), out, in, threads);
        }
        int out = 0;
        boolean anyBias = false;
        for (int i = 0; i < weights.length; i++) {
            out += Math.toIntExact(weights[i].getShape().get(0));
            anyBias |= biases[i] != null;
        }
        float[] w = new float[Math.multiplyExact(out, in)];
        float[] b = anyBias ? new float[out] : null;
        int row = 0;
        for (int i = 0; i < weights.length; i++) {
            int n = Math.toIntExact(weights[i].getShape().get(0));
            System.arraycopy(weights[i].toFloatArray(), 0, w, row * in, n * in);
            if (biases[i] != null) {
                System.arraycopy(biases[i].toFloatArray(), 0, b, row, n);
            }
            row += n;
        }
        return new PackedMatrix(w, b, out, in, threads);
    }

    /**
     * Whether the heap can take a matrix's packed copy: at most half of {@code -Xmx} for its packing (the plain copy
     * read from torch plus the packed one). A rule on the configured heap, not on the heap in use at the moment, so
     * that every executor of a job makes the same choice (the kernels and torch round differently).
     */
    private static boolean roomFor(NDArray weight, long weights) {
        long max = Runtime.getRuntime().maxMemory();
        long need = bytesToPack(weights);
        if (need <= max / 2) {
            return true;
        }
        LOG.warn("no heap for the packed copy of '{}' ({} MB to pack, -Xmx {} MB): this model uses torch's slower"
                        + " few-row products; give the JVM more heap (-Xmx, spark.executor.memory) to use the kernel",
                weight.getName(), need >> 20, max >> 20);
        return false;
    }

    /** Heap a matrix of {@code weights} floats takes while it is packed: the plain copy read from torch plus the packed one. */
    static long bytesToPack(long weights) {
        return 2 * 4 * weights;
    }
}
