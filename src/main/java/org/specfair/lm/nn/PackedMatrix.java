package org.specfair.lm.nn;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

import java.util.Arrays;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * A float32 weight {@code [out, in]} repacked once for the CPU few-row product {@code y = x W^T + b}: the kernel
 * that lets a verify pass of k + 1 tokens or a batch-8 decode step cost about one decode step.
 *
 * <p>Why: at these sizes a decode step is bound by reading the weights, so a product over M <= 16 rows should read
 * each weight once from memory whatever M is. MKL's sgemm (what torch's {@code linear} calls) does not: it streams a
 * wide matrix again every 1-4 rows (the 50257x768 LM head: 9.7 ms for 1 row, 23 ms for 2, 36 ms for 3). This kernel
 * reads the weight once and keeps every row's partial sums in registers.
 *
 * <p>Layout: the output dimension is cut into panels of {@code L} outputs (one SIMD register: 16 floats with
 * AVX-512, 8 with AVX2) and each panel is stored {@code [in][L]}, so the kernel streams it contiguously. Panels go
 * three at a time (a tile), rows four at a time: per input index, three weight vectors are loaded and each of up to
 * four rows' inputs is broadcast and fused-multiply-added into 3 x 4 accumulators (12 registers; fewer accumulators
 * leave the loop waiting on the FMA latency). Rows beyond four re-read the tile from L2, not from memory.
 *
 * <p>Every output is one sequential FMA chain over {@code i = 0 .. in-1}, then {@code + b}: the same arithmetic
 * whatever the row count, the tile, the thread count or which rows share a call. So a verify pass gives bit-for-bit
 * the logits that one-token steps give, and results do not depend on batch size (sgemm's blocking depends on M).
 *
 * <p>Uses the Java Vector API (the incubator module {@code jdk.incubator.vector}, JDK 16+): load this class only
 * after {@link #available()} said yes; without the module, {@link Linear} keeps torch's products.
 */
public final class PackedMatrix {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    /** Panels per tile and rows per kernel call: 3 x 4 accumulators, measured best on AVX-512 (2-core EPYC). */
    static final int TILE = 3;
    static final int ROWS = 4;
    /** On a cached matrix the compiled kernels do ~165 GFLOP/s (2-core EPYC, AVX-512), C1-compiled ones 0.6. */
    private static final double MIN_GFLOPS = 10;
    /** Below this many weights per thread a product runs on the calling thread (handing off costs ~10-30 us). */
    private static final long PARALLEL_MIN_WEIGHTS = 1L << 19;

    /** Helper threads shared by every matrix of the JVM; cached (grows with concurrent tasks), daemons. */
    private static final ExecutorService POOL = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "specfair-matmul");
        t.setDaemon(true);
        return t;
    });

    private final int out;
    private final int in;
    private final int tiles;
    private final float[] panels;
    private final float[] bias;
    private final int threads;

    /**
     * @param weight row-major {@code [out, in]} values
     * @param bias   {@code [out]} or null
     * @param threads threads a product may use (PyTorch's intra-op count: the cores the task owns)
     */
    public PackedMatrix(float[] weight, float[] bias, int out, int in, int threads) {
        if ((long) out * in != weight.length || bias != null && bias.length != out) {
            throw new IllegalArgumentException("weight has " + weight.length + " values for [" + out + ", " + in + "]");
        }
        this.out = out;
        this.in = in;
        this.bias = bias == null ? null : bias.clone();
        this.tiles = (out + TILE * L - 1) / (TILE * L);
        long size = (long) tiles * TILE * L * in;
        if (size > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("[" + out + ", " + in + "] is too large for one Java array");
        }
        this.panels = new float[(int) size]; // padding outputs beyond `out` stay zero
        for (int o = 0; o < out; o++) {
            int base = (o / L) * in * L + o % L;
            for (int i = 0; i < in; i++) {
                panels[base + i * L] = weight[o * in + i];
            }
        }
        this.threads = Math.max(1, threads);
    }

    private static volatile double warmGflops;

    /** GFLOP/s the kernels reached on a cached matrix right after {@link #warmUp()} (0 before it ran). */
    public static double warmGflops() {
        return warmGflops;
    }

    /** Null until {@link #warmUp()} ran; then whether the kernels run compiled. */
    private static volatile Boolean fast;

    /**
     * Gets the four kernels compiled before real products need them, once per JVM (~1 s): interpreted, Vector API
     * code allocates an object per vector op and runs ~1000x slower, and the JIT compiles a kernel only after many
     * loop iterations. Then checks that they did get compiled (a JVM with C2 off, e.g. {@code -XX:TieredStopAtLevel=1},
     * never compiles them): false means use torch instead.
     */
    static boolean warmUp() {
        if (fast != null) {
            return fast;
        }
        synchronized (PackedMatrix.class) {
            if (fast != null) {
                return fast;
            }
            long t0 = System.nanoTime();
            int out = TILE * L * 2;
            int in = 256;
            float[] w = new float[out * in];
            for (int i = 0; i < w.length; i++) {
                w[i] = (i % 7) * 0.125f - 0.375f;
            }
            PackedMatrix m = new PackedMatrix(w, null, out, in, 1);
            float[] x = new float[ROWS * in];
            for (int rep = 0; rep < 300; rep++) {
                for (int rows = 1; rows <= ROWS; rows++) {
                    m.apply(Arrays.copyOf(x, rows * in), rows);
                }
            }
            long t1 = System.nanoTime();
            int reps = 50;
            for (int rep = 0; rep < reps; rep++) {
                m.apply(x, ROWS);
            }
            double gflops = 2.0 * ROWS * out * in * reps / (System.nanoTime() - t1);
            warmGflops = gflops;
            fast = gflops > MIN_GFLOPS;
            Logger log = LogManager.getLogger(PackedMatrix.class);
            if (fast) {
                log.debug("packed kernels compiled in {} ms ({} float lanes, {} GFLOP/s on a cached matrix)",
                        (t1 - t0) / 1_000_000, L, Math.round(gflops));
            } else {
                log.warn("the packed CPU kernels did not get compiled by the JIT ({} GFLOP/s after warm-up):"
                        + " few-row products use torch's sgemm", String.format(java.util.Locale.ROOT, "%.2f", gflops));
            }
            return fast;
        }
    }

    /** Whether the Vector API module is in this JVM ({@code --add-modules jdk.incubator.vector}). */
    public static boolean available() {
        return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    }

    public int out() {
        return out;
    }

    public int in() {
        return in;
    }

    /** Bytes of the packed copy (padding included). */
    public long bytes() {
        return 4L * panels.length;
    }

    /** {@code x W^T + b} for {@code rows} rows of {@code x} ({@code [rows, in]} row-major); {@code [rows, out]}. */
    public float[] apply(float[] x, int rows) {
        if ((long) rows * in != x.length) {
            throw new IllegalArgumentException(x.length + " inputs are not " + rows + " rows of " + in);
        }
        float[] y = new float[rows * out];
        int parts = (int) Math.min(threads, Math.max(1, (long) out * in / PARALLEL_MIN_WEIGHTS));
        parts = Math.min(parts, tiles);
        if (parts == 1) {
            tiles(x, rows, y, 0, tiles);
            return y;
        }
        Future<?>[] others = new Future<?>[parts - 1];
        for (int k = 1; k < parts; k++) {
            int t0 = (int) ((long) tiles * k / parts);
            int t1 = (int) ((long) tiles * (k + 1) / parts);
            others[k - 1] = POOL.submit(() -> tiles(x, rows, y, t0, t1));
        }
        tiles(x, rows, y, 0, tiles / parts);
        for (Future<?> f : others) {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted in a matrix product", e);
            } catch (java.util.concurrent.ExecutionException e) {
                throw new IllegalStateException("matrix product failed: " + e.getCause(), e.getCause());
            }
        }
        return y;
    }

    /** Tiles {@code [t0, t1)} for all rows. */
    private void tiles(float[] x, int rows, float[] y, int t0, int t1) {
        float[] edge = new float[ROWS * TILE * L]; // the last tile's outputs, some of them padding
        for (int t = t0; t < t1; t++) {
            int o0 = t * TILE * L;
            boolean whole = o0 + TILE * L <= out;
            int base = t * TILE * in * L;
            for (int r0 = 0; r0 < rows; r0 += ROWS) {
                int r = Math.min(ROWS, rows - r0);
                float[] dst = whole ? y : edge;
                int at = whole ? r0 * out + o0 : 0;
                int stride = whole ? out : TILE * L;
                switch (r) {
                    case 4 -> rows4(base, x, r0 * in, dst, at, stride);
                    case 3 -> rows3(base, x, r0 * in, dst, at, stride);
                    case 2 -> rows2(base, x, r0 * in, dst, at, stride);
                    default -> rows1(base, x, r0 * in, dst, at, stride);
                }
                if (whole && bias == null) {
                    continue;
                }
                for (int k = 0; k < r; k++) {
                    int row = (r0 + k) * out;
                    for (int j = 0; j < TILE * L && o0 + j < out; j++) {
                        float v = whole ? y[row + o0 + j] : edge[k * stride + j];
                        y[row + o0 + j] = bias == null ? v : v + bias[o0 + j];
                    }
                }
            }
        }
    }

    // The four kernels differ only in how many rows they carry; written out because the JIT keeps vectors in
    // registers only when each is its own local (arrays of vectors were 10x slower).

    private void rows1(int base, float[] x, int x0, float[] y, int at, int stride) {
        float[] p = panels;
        int n = in;
        int p1 = base + n * L;
        int p2 = base + 2 * n * L;
        FloatVector a0 = FloatVector.zero(S), b0 = a0, c0 = a0;
        for (int i = 0; i < n; i++) {
            FloatVector wa = FloatVector.fromArray(S, p, base + i * L);
            FloatVector wb = FloatVector.fromArray(S, p, p1 + i * L);
            FloatVector wc = FloatVector.fromArray(S, p, p2 + i * L);
            FloatVector v0 = FloatVector.broadcast(S, x[x0 + i]);
            a0 = wa.fma(v0, a0);
            b0 = wb.fma(v0, b0);
            c0 = wc.fma(v0, c0);
        }
        a0.intoArray(y, at);
        b0.intoArray(y, at + L);
        c0.intoArray(y, at + 2 * L);
    }

    private void rows2(int base, float[] x, int x0, float[] y, int at, int stride) {
        float[] p = panels;
        int n = in;
        int p1 = base + n * L;
        int p2 = base + 2 * n * L;
        FloatVector a0 = FloatVector.zero(S), b0 = a0, c0 = a0, a1 = a0, b1 = a0, c1 = a0;
        for (int i = 0; i < n; i++) {
            FloatVector wa = FloatVector.fromArray(S, p, base + i * L);
            FloatVector wb = FloatVector.fromArray(S, p, p1 + i * L);
            FloatVector wc = FloatVector.fromArray(S, p, p2 + i * L);
            FloatVector v0 = FloatVector.broadcast(S, x[x0 + i]);
            a0 = wa.fma(v0, a0);
            b0 = wb.fma(v0, b0);
            c0 = wc.fma(v0, c0);
            FloatVector v1 = FloatVector.broadcast(S, x[x0 + n + i]);
            a1 = wa.fma(v1, a1);
            b1 = wb.fma(v1, b1);
            c1 = wc.fma(v1, c1);
        }
        a0.intoArray(y, at);
        b0.intoArray(y, at + L);
        c0.intoArray(y, at + 2 * L);
        a1.intoArray(y, at + stride);
        b1.intoArray(y, at + stride + L);
        c1.intoArray(y, at + stride + 2 * L);
    }

    private void rows3(int base, float[] x, int x0, float[] y, int at, int stride) {
        float[] p = panels;
        int n = in;
        int p1 = base + n * L;
        int p2 = base + 2 * n * L;
        FloatVector a0 = FloatVector.zero(S), b0 = a0, c0 = a0, a1 = a0, b1 = a0, c1 = a0, a2 = a0, b2 = a0, c2 = a0;
        for (int i = 0; i < n; i++) {
            FloatVector wa = FloatVector.fromArray(S, p, base + i * L);
            FloatVector wb = FloatVector.fromArray(S, p, p1 + i * L);
            FloatVector wc = FloatVector.fromArray(S, p, p2 + i * L);
            FloatVector v0 = FloatVector.broadcast(S, x[x0 + i]);
            a0 = wa.fma(v0, a0);
            b0 = wb.fma(v0, b0);
            c0 = wc.fma(v0, c0);
            FloatVector v1 = FloatVector.broadcast(S, x[x0 + n + i]);
            a1 = wa.fma(v1, a1);
            b1 = wb.fma(v1, b1);
            c1 = wc.fma(v1, c1);
            FloatVector v2 = FloatVector.broadcast(S, x[x0 + 2 * n + i]);
            a2 = wa.fma(v2, a2);
            b2 = wb.fma(v2, b2);
            c2 = wc.fma(v2, c2);
        }
        a0.intoArray(y, at);
        b0.intoArray(y, at + L);
        c0.intoArray(y, at + 2 * L);
        a1.intoArray(y, at + stride);
        b1.intoArray(y, at + stride + L);
        c1.intoArray(y, at + stride + 2 * L);
        a2.intoArray(y, at + 2 * stride);
        b2.intoArray(y, at + 2 * stride + L);
        c2.intoArray(y, at + 2 * stride + 2 * L);
    }

    private void rows4(int base, float[] x, int x0, float[] y, int at, int stride) {
        float[] p = panels;
        int n = in;
        int p1 = base + n * L;
        int p2 = base + 2 * n * L;
        FloatVector a0 = FloatVector.zero(S), b0 = a0, c0 = a0, a1 = a0, b1 = a0, c1 = a0;
        FloatVector a2 = a0, b2 = a0, c2 = a0, a3 = a0, b3 = a0, c3 = a0;
        for (int i = 0; i < n; i++) {
            FloatVector wa = FloatVector.fromArray(S, p, base + i * L);
            FloatVector wb = FloatVector.fromArray(S, p, p1 + i * L);
            FloatVector wc = FloatVector.fromArray(S, p, p2 + i * L);
            FloatVector v0 = FloatVector.broadcast(S, x[x0 + i]);
            a0 = wa.fma(v0, a0);
            b0 = wb.fma(v0, b0);
            c0 = wc.fma(v0, c0);
            FloatVector v1 = FloatVector.broadcast(S, x[x0 + n + i]);
            a1 = wa.fma(v1, a1);
            b1 = wb.fma(v1, b1);
            c1 = wc.fma(v1, c1);
            FloatVector v2 = FloatVector.broadcast(S, x[x0 + 2 * n + i]);
            a2 = wa.fma(v2, a2);
            b2 = wb.fma(v2, b2);
            c2 = wc.fma(v2, c2);
            FloatVector v3 = FloatVector.broadcast(S, x[x0 + 3 * n + i]);
            a3 = wa.fma(v3, a3);
            b3 = wb.fma(v3, b3);
            c3 = wc.fma(v3, c3);
        }
        a0.intoArray(y, at);
        b0.intoArray(y, at + L);
        c0.intoArray(y, at + 2 * L);
        a1.intoArray(y, at + stride);
        b1.intoArray(y, at + stride + L);
        c1.intoArray(y, at + stride + 2 * L);
        a2.intoArray(y, at + 2 * stride);
        b2.intoArray(y, at + 2 * stride + L);
        c2.intoArray(y, at + 2 * stride + 2 * L);
        a3.intoArray(y, at + 3 * stride);
        b3.intoArray(y, at + 3 * stride + L);
        c3.intoArray(y, at + 3 * stride + 2 * L);
    }
}
