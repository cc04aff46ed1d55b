package org.specfair.lm.nn;

import java.util.concurrent.atomic.AtomicInteger;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;


/**
 * A float32 weight {@code [out, in]} repacked once for the CPU few-row product {@code y = x W^T + b}: the kernel
 * that lets a verify pass of k + 1 tokens or a batch-8 decode step cost about one decode step.
 *
 * <p>Why: at these sizes a decode step is bound by reading the weights, so a product over a few rows M should read
 * each weight once from memory whatever M is (used for every row count: it beats MKL's AVX2 code on this
 * AMD CPU at every size measured). MKL's sgemm (what torch's {@code linear} calls) does not: it streams a
 * wide matrix again every 1-4 rows (the 50257x768 LM head: 9.7 ms for 1 row, 23 ms for 2, 36 ms for 3). This kernel
 * reads the weight once and keeps every row's partial sums in registers.
 *
 * <p>Layout: the output dimension is cut into panels of {@code L} outputs (one SIMD register: 16 floats with
 * AVX-512, 8 with AVX2) and each panel is stored {@code [in][L]}, so the kernel streams it contiguously. Panels go
 * three at a time (a tile), rows up to {@link #ROWS} at a time (7 with AVX-512, 4 with AVX2): per input index, three
 * weight vectors are loaded and each row's input is broadcast and fused-multiply-added into its three accumulators
 * (one accumulator per row leaves the loop waiting on the FMA latency: 1 row 4.6 against 4.0 ms through the head).
 * More rows re-read the tile from L2, not from memory. Measured (head 50257x768, one thread, quiet): 4.0 / 4.7 / 4.9 /
 * 5.1 / 5.3 / 6.1 ms for 1 / 2 / 3 / 4 / 5 / 8 rows, where torch's {@code linear} takes 9.0 / 19.4 / 29.1 / 16.6 /
 * 17.9 / 12.2. For 2-6 rows wider kernels walk more panels per call (six for 2-4 rows, four for 5-6) over whole
 * tiles: with three, a core streaming ~30 GB/s kept too few weight streams in flight once every input index also
 * cost 6-18 FMAs (5 rows 1.11-1.20x one row from memory; with the wide kernels 1.02-1.07x). With AVX2's 16
 * registers, 5 and 7+ rows go five at a time over two panels instead ({@code narrow}: the tile kernels' 4 x 3
 * accumulators spill there).
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
    /** Panels per tile: three weight vectors per input index keep enough FMAs in flight (1 or 2 panels: 5-60% slower). */
    static final int TILE = 3;
    /**
     * Rows per three-panel kernel call (more rows go in blocks of this many per tile, each block after the first
     * re-reading the tile from L2). AVX-512 has 32 registers: 3 x 8 accumulators with the three weights and a
     * broadcast take 28 of them, and that kernel ran at 134-197 GFLOP/s on a cached matrix where 3 x 7 ran at
     * 247-257 (one thread; C2 keeps fewer of its values in registers). So 7: 16 rows go as 7 + 7 + 2, at 191-234
     * GFLOP/s through the 50257x768 head from memory on two threads against 139-147 as 8 + 8; 8 rows as 7 + 1 cost what
     * one 8-row call did. AVX2 and narrower have 16 registers, so 3 x 4 there.
     */
    static final int ROWS = L >= 16 ? 7 : 4;
    /** Warm-up runs until the kernels reach this on a cached matrix (compiled: ~40-165 GFLOP/s; interpreted: ~0.6). */
    private static final double COMPILED_GFLOPS = 10;
    /**
     * Chunks of tiles per thread in a split product (8: 5-token passes 0-11% faster than with a fixed half per
     * thread, 8-token passes 1-6%, one-token steps unchanged, gpt-neo-125M shapes on a busy 2-core Zen 3).
     */
    private static final int CHUNKS_PER_PART = 8;
    /** Below this many weights per thread a product runs on the calling thread (handing off costs ~10-30 us). */
    private static final long PARALLEL_MIN_WEIGHTS = 1L << 19;


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

    /** Null until {@link #warmUp()} ran; then whether the kernels are used. */
    private static volatile Boolean fast;

    /**
     * Whether this JVM will use the kernels (once per JVM, ~1 s the first time): yes when it has an optimizing JIT
     * (C2). Interpreted or C1-compiled, Vector API code allocates an object per vector op and runs 100-300x slower
     * (0.6 GFLOP/s against ~165 on a cached matrix), so a JVM run with {@code -Xint} or
     * {@code -XX:TieredStopAtLevel} below 4 keeps torch's products, with one warning.
     *
     * <p>The answer depends on the JVM's configuration only, never on a timing: the kernels and torch round
     * differently, so a choice that followed the machine's load would make rows differ between executors. With C2
     * the kernels are then run until compiled (up to 5 s; the JIT compiles in the background): interpreted, the first
     * real products would crawl.
     */
    public static boolean warmUp() {
        if (fast != null) {
            return fast;
        }
        synchronized (PackedMatrix.class) {
            if (fast != null) {
                return fast;
            }
            Logger log = LogManager.getLogger(PackedMatrix.class);
            String noC2 = withoutOptimizingJit();
            if (noC2 != null) {
                log.warn("this JVM has no optimizing JIT ({}): CPU few-row products use torch's sgemm", noC2);
                fast = false;
                return false;
            }
            long t0 = System.nanoTime();
            int out = TILE * L * 4 + 5; // four whole tiles (the widest kernels' span) and a ragged one, so every path is compiled (else: a deoptimization later)
            int in = 256;
            float[] w = new float[out * in];
            for (int i = 0; i < w.length; i++) {
                w[i] = (i % 7) * 0.125f - 0.375f;
            }
            PackedMatrix m = new PackedMatrix(w, null, out, in, 1);
            PackedMatrix withBias = new PackedMatrix(w, new float[out], out, in, 1);
            double gflops = 0;
            while (gflops <= COMPILED_GFLOPS && System.nanoTime() - t0 < 5_000_000_000L) {
                for (int rep = 0; rep < 200; rep++) {
                    for (int rows = 1; rows <= 2 * ROWS + 1; rows++) {
                        (rep % 2 == 0 ? m : withBias).apply(new float[rows * in], rows);
                    }
                }
                gflops = Double.MAX_VALUE;
                for (int rows = 1; rows <= ROWS; rows++) { // the slowest kernel decides
                    float[] xr = new float[rows * in];
                    long t1 = System.nanoTime();
                    int reps = 20;
                    for (int rep = 0; rep < reps; rep++) {
                        m.apply(xr, rows);
                    }
                    gflops = Math.min(gflops, 2.0 * rows * out * in * reps / (System.nanoTime() - t1));
                }
            }
            warmGflops = gflops;
            fast = true;
            log.info("CPU few-row products: packed Vector API kernels, warmed up in {} ms ({} float lanes, {} GFLOP/s cached)",
                    (System.nanoTime() - t0) / 1_000_000, L, Math.round(gflops));
            return true;
        }
    }

    /** Why this JVM has no C2 compiler, or null when it has one. */
    static String withoutOptimizingJit() {
        if (java.lang.management.ManagementFactory.getCompilationMXBean() == null) {
            return "interpreter only";
        }
        try {
            var hotspot = java.lang.management.ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class);
            if (hotspot != null && Boolean.parseBoolean(hotspot.getVMOption("TieredCompilation").getValue())
                    && Integer.parseInt(hotspot.getVMOption("TieredStopAtLevel").getValue()) < 4) {
                return "-XX:TieredStopAtLevel=" + hotspot.getVMOption("TieredStopAtLevel").getValue();
            }
        } catch (RuntimeException e) { // not HotSpot: assume an optimizing JIT
            return null;
        }
        return null;
    }

    /** Floats per vector of the kernels (8 with AVX2, 16 with AVX-512): the width of a panel. */
    public static int lanes() {
        return L;
    }

    /** Whether the Vector API module is in this JVM ({@code --add-modules jdk.incubator.vector}). */
    public static boolean available() {
        return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    }

    public int out() {
        return out;
    }

    /** Threads a product may use. */
    public int threads() {
        return threads;
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
        applyInto(x, rows, y);
        return y;
    }

    /**
     * {@link #apply}'s product written into the first {@code rows * out} floats of {@code y}, from the first
     * {@code rows * in} of {@code x}: both may be longer (reused buffers, {@link HostFloats}). Every output is
     * written (stored, never added to), so {@code y} need not be cleared.
     */
    public void applyInto(float[] x, int rows, float[] y) {
        if ((long) rows * in > x.length || (long) rows * out > y.length) {
            throw new IllegalArgumentException(x.length + " inputs or " + y.length + " outputs are fewer than " + rows
                    + " rows of " + in + " -> " + out);
        }
        int parts = (int) Math.min(threads, Math.max(1, (long) out * in / PARALLEL_MIN_WEIGHTS));
        parts = Math.min(parts, tiles);
        if (parts == 1) {
            tiles(x, rows, y, 0, tiles);
            return;
        }
        // The threads take chunks of tiles from a shared counter until none is left, rather than a fixed half each:
        // on a shared machine one core is often slower for a while, and a fixed split left the calling thread
        // waiting for its helper (Zen 3, 2 cores: 1.4-3.6 ms per 5-token pass). A chunk is a multiple of four tiles
        // (the wide kernels' widest span), about CHUNKS_PER_PART per thread. Which thread computes a tile changes
        // nothing in it: every output is the same chain.
        int chunk = Math.max(4, tiles / (parts * CHUNKS_PER_PART) / 4 * 4);
        int chunks = (tiles + chunk - 1) / chunk;
        AtomicInteger next = new AtomicInteger();
        ProductThreads.run(parts, part -> {
            for (int c = next.getAndIncrement(); c < chunks; c = next.getAndIncrement()) {
                tiles(x, rows, y, c * chunk, Math.min(tiles, (c + 1) * chunk));
            }
        });
    }

    /** Tiles {@code [t0, t1)} for all rows. */
    private void tiles(float[] x, int rows, float[] y, int t0, int t1) {
        float[] edge = null; // the last tile's outputs, some of them padding (allocated by the chunk that has it)
        int span = L < 16 ? (rows >= 5 && rows != 6 ? 2 : 1) // tiles per wide-kernel call
                : rows == 1 || rows > 6 ? 1 : rows <= 4 ? 2 : 4;
        for (int t = t0; t < t1; t++) {
            if (span > 1 && t + span <= t1 && (t + span) * TILE * L <= out) {
                wide(x, rows, y, t, span);
                t += span - 1;
                continue;
            }
            int o0 = t * TILE * L;
            boolean whole = o0 + TILE * L <= out;
            if (!whole && edge == null) {
                edge = new float[ROWS * TILE * L];
            }
            int base = t * TILE * in * L;
            for (int r0 = 0; r0 < rows; r0 += ROWS) {
                int r = Math.min(ROWS, rows - r0);
                float[] dst = whole ? y : edge;
                int at = whole ? r0 * out + o0 : 0;
                int stride = whole ? out : TILE * L;
                int xr = r0 * in;
                switch (r) {
                    case 7 -> rows7(base, x, xr, dst, at, stride);
                    case 6 -> rows6(base, x, xr, dst, at, stride);
                    case 5 -> rows5(base, x, xr, dst, at, stride);
                    case 4 -> rows4(base, x, xr, dst, at, stride);
                    case 3 -> rows3(base, x, xr, dst, at, stride);
                    case 2 -> rows2(base, x, xr, dst, at, stride);
                    default -> rows1(base, x, xr, dst, at, stride);
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

    /**
     * Tiles {@code [t, t + span)}, all whole. AVX-512, 2-6 rows: six panels (2-4 rows) or three times four (5-6 rows)
     * per call. AVX2, 5 or 7+ rows over two tiles: five rows at a time over two panels, the rest by the tile kernels.
     */
    private void wide(float[] x, int rows, float[] y, int t, int span) {
        int base = t * TILE * in * L;
        int o0 = t * TILE * L;
        if (L < 16) {
            narrow(x, rows, y, base, o0);
        } else {
            switch (rows) {
                case 2 -> rows2x6(base, x, 0, y, o0, out);
                case 3 -> rows3x6(base, x, 0, y, o0, out);
                case 4 -> rows4x6(base, x, 0, y, o0, out);
                default -> {
                    for (int g = 0; g < 3; g++) {
                        if (rows == 5) {
                            rows5x4(base + 4 * g * in * L, x, 0, y, o0 + 4 * g * L, out);
                        } else {
                            rows6x4(base + 4 * g * in * L, x, 0, y, o0 + 4 * g * L, out);
                        }
                    }
                }
            }
        }
        if (bias != null) {
            for (int k = 0; k < rows; k++) {
                int row = k * out + o0;
                for (int j = 0; j < span * TILE * L; j++) {
                    y[row + j] += bias[o0 + j];
                }
            }
        }
    }

    /**
     * Two whole tiles (six panels) on a 16-register machine (AVX2): each block of five rows as three calls of the
     * two-panel kernel, the last 1-4 rows by the three-panel tile kernels, one tile after the other. Why: with 16
     * registers the tile kernels' 4 rows x 3 panels (12 accumulators, the 3 weights and a broadcast) spill, and a
     * 5-row pass went as 4 + 1 rows, reading every tile twice; 5 x 2 accumulators, 2 weights and a broadcast fit.
     * Measured on a Zen 3 (2 cores, one JVM, the two forms in turns): gpt-neo-125M's 5-token pass 1-9% faster,
     * 8 tokens 2-3%, 16 tokens 13%; 4 and 6 rows were not faster this way (4 x 2 or 5 + 1), so they keep the tile
     * kernels.
     */
    private void narrow(float[] x, int rows, float[] y, int base, int o0) {
        int r0 = 0;
        for (; r0 + 5 <= rows; r0 += 5) {
            for (int g = 0; g < 3; g++) {
                rows5x2(base + 2 * g * in * L, x, r0 * in, y, r0 * out + o0 + 2 * g * L, out);
            }
        }
        for (int k = 0; k < 2 && r0 < rows; k++) {
            int b = base + k * TILE * in * L;
            int at = r0 * out + o0 + k * TILE * L;
            int xr = r0 * in;
            switch (rows - r0) {
                case 4 -> rows4(b, x, xr, y, at, out);
                case 3 -> rows3(b, x, xr, y, at, out);
                case 2 -> rows2(b, x, xr, y, at, out);
                default -> rows1(b, x, xr, y, at, out);
            }
        }
    }

    /** Five rows over two panels (AVX2's widest kernel that keeps its values in 16 registers). */
    private void rows5x2(int base, float[] x, int x0, float[] y, int at, int stride) {
        float[] p = panels;
        int n = in;
        int p1 = base + n * L;
        FloatVector a0 = FloatVector.zero(S), b0 = a0, a1 = a0, b1 = a0, a2 = a0, b2 = a0, a3 = a0, b3 = a0, a4 = a0, b4 = a0;
        for (int i = 0; i < n; i++) {
            FloatVector wa = FloatVector.fromArray(S, p, base + i * L);
            FloatVector wb = FloatVector.fromArray(S, p, p1 + i * L);
            FloatVector v0 = FloatVector.broadcast(S, x[x0 + i]);
            a0 = wa.fma(v0, a0);
            b0 = wb.fma(v0, b0);
            FloatVector v1 = FloatVector.broadcast(S, x[x0 + n + i]);
            a1 = wa.fma(v1, a1);
            b1 = wb.fma(v1, b1);
            FloatVector v2 = FloatVector.broadcast(S, x[x0 + 2 * n + i]);
            a2 = wa.fma(v2, a2);
            b2 = wb.fma(v2, b2);
            FloatVector v3 = FloatVector.broadcast(S, x[x0 + 3 * n + i]);
            a3 = wa.fma(v3, a3);
            b3 = wb.fma(v3, b3);
            FloatVector v4 = FloatVector.broadcast(S, x[x0 + 4 * n + i]);
            a4 = wa.fma(v4, a4);
            b4 = wb.fma(v4, b4);
        }
        a0.intoArray(y, at);
        b0.intoArray(y, at + L);
        a1.intoArray(y, at + stride);
        b1.intoArray(y, at + stride + L);
        a2.intoArray(y, at + 2 * stride);
        b2.intoArray(y, at + 2 * stride + L);
        a3.intoArray(y, at + 3 * stride);
        b3.intoArray(y, at + 3 * stride + L);
        a4.intoArray(y, at + 4 * stride);
        b4.intoArray(y, at + 4 * stride + L);
    }

    // Wider kernels for 2-6 rows (same chains, more panels per call): with three panels per input index a core keeps
    // too few weight streams in flight once each index also costs 6-18 FMAs, and a 5-row product cost 1.11-1.20x one
    // row where six panels for 2-4 rows and four for 5-6 rows cost 0.98-1.07x (a 50257x768 matrix from memory, one
    // and two threads, jobs/bench engine's head column). 4 x 6 and 6 x 4 accumulators plus the weights fill 29-31 of
    // AVX-512's 32 registers.

    private void rows2x6(int base, float[] x, int x0, float[] y, int at, int stride) {
        float[] p = panels;
        int n = in;
        int p1 = base + 1 * n * L;
        int p2 = base + 2 * n * L;
        int p3 = base + 3 * n * L;
        int p4 = base + 4 * n * L;
        int p5 = base + 5 * n * L;
        FloatVector a0 = FloatVector.zero(S);
        FloatVector b0 = a0, c0 = a0, d0 = a0, e0 = a0, f0 = a0, a1 = a0, b1 = a0, c1 = a0;
        FloatVector d1 = a0, e1 = a0, f1 = a0;
        for (int i = 0; i < n; i++) {
            FloatVector wa = FloatVector.fromArray(S, p, base + i * L);
            FloatVector wb = FloatVector.fromArray(S, p, p1 + i * L);
            FloatVector wc = FloatVector.fromArray(S, p, p2 + i * L);
            FloatVector wd = FloatVector.fromArray(S, p, p3 + i * L);
            FloatVector we = FloatVector.fromArray(S, p, p4 + i * L);
            FloatVector wf = FloatVector.fromArray(S, p, p5 + i * L);
            FloatVector v0 = FloatVector.broadcast(S, x[x0 + i]);
            a0 = wa.fma(v0, a0);
            b0 = wb.fma(v0, b0);
            c0 = wc.fma(v0, c0);
            d0 = wd.fma(v0, d0);
            e0 = we.fma(v0, e0);
            f0 = wf.fma(v0, f0);
            FloatVector v1 = FloatVector.broadcast(S, x[x0 + n + i]);
            a1 = wa.fma(v1, a1);
            b1 = wb.fma(v1, b1);
            c1 = wc.fma(v1, c1);
            d1 = wd.fma(v1, d1);
            e1 = we.fma(v1, e1);
            f1 = wf.fma(v1, f1);
        }
        a0.intoArray(y, at);
        b0.intoArray(y, at + L);
        c0.intoArray(y, at + 2 * L);
        d0.intoArray(y, at + 3 * L);
        e0.intoArray(y, at + 4 * L);
        f0.intoArray(y, at + 5 * L);
        a1.intoArray(y, at + stride);
        b1.intoArray(y, at + stride + L);
        c1.intoArray(y, at + stride + 2 * L);
        d1.intoArray(y, at + stride + 3 * L);
        e1.intoArray(y, at + stride + 4 * L);
        f1.intoArray(y, at + stride + 5 * L);
    }

    private void rows3x6(int base, float[] x, int x0, float[] y, int at, int stride) {
        float[] p = panels;
        int n = in;
        int p1 = base + 1 * n * L;
        int p2 = base + 2 * n * L;
        int p3 = base + 3 * n * L;
        int p4 = base + 4 * n * L;
        int p5 = base + 5 * n * L;
        FloatVector a0 = FloatVector.zero(S);
        FloatVector b0 = a0, c0 = a0, d0 = a0, e0 = a0, f0 = a0, a1 = a0, b1 = a0, c1 = a0;
        FloatVector d1 = a0, e1 = a0, f1 = a0, a2 = a0, b2 = a0, c2 = a0, d2 = a0, e2 = a0;
        FloatVector f2 = a0;
        for (int i = 0; i < n; i++) {
            FloatVector wa = FloatVector.fromArray(S, p, base + i * L);
            FloatVector wb = FloatVector.fromArray(S, p, p1 + i * L);
            FloatVector wc = FloatVector.fromArray(S, p, p2 + i * L);
            FloatVector wd = FloatVector.fromArray(S, p, p3 + i * L);
            FloatVector we = FloatVector.fromArray(S, p, p4 + i * L);
            FloatVector wf = FloatVector.fromArray(S, p, p5 + i * L);
            FloatVector v0 = FloatVector.broadcast(S, x[x0 + i]);
            a0 = wa.fma(v0, a0);
            b0 = wb.fma(v0, b0);
            c0 = wc.fma(v0, c0);
            d0 = wd.fma(v0, d0);
            e0 = we.fma(v0, e0);
            f0 = wf.fma(v0, f0);
            FloatVector v1 = FloatVector.broadcast(S, x[x0 + n + i]);
            a1 = wa.fma(v1, a1);
            b1 = wb.fma(v1, b1);
            c1 = wc.fma(v1, c1);
            d1 = wd.fma(v1, d1);
            e1 = we.fma(v1, e1);
            f1 = wf.fma(v1, f1);
            FloatVector v2 = FloatVector.broadcast(S, x[x0 + 2 * n + i]);
            a2 = wa.fma(v2, a2);
            b2 = wb.fma(v2, b2);
            c2 = wc.fma(v2, c2);
            d2 = wd.fma(v2, d2);
            e2 = we.fma(v2, e2);
            f2 = wf.fma(v2, f2);
        }
        a0.intoArray(y, at);
        b0.intoArray(y, at + L);
        c0.intoArray(y, at + 2 * L);
        d0.intoArray(y, at + 3 * L);
        e0.intoArray(y, at + 4 * L);
        f0.intoArray(y, at + 5 * L);
        a1.intoArray(y, at + stride);
        b1.intoArray(y, at + stride + L);
        c1.intoArray(y, at + stride + 2 * L);
        d1.intoArray(y, at + stride + 3 * L);
        e1.intoArray(y, at + stride + 4 * L);
        f1.intoArray(y, at + stride + 5 * L);
        a2.intoArray(y, at + 2 * stride);
        b2.intoArray(y, at + 2 * stride + L);
        c2.intoArray(y, at + 2 * stride + 2 * L);
        d2.intoArray(y, at + 2 * stride + 3 * L);
        e2.intoArray(y, at + 2 * stride + 4 * L);
        f2.intoArray(y, at + 2 * stride + 5 * L);
    }

    private void rows4x6(int base, float[] x, int x0, float[] y, int at, int stride) {
        float[] p = panels;
        int n = in;
        int p1 = base + 1 * n * L;
        int p2 = base + 2 * n * L;
        int p3 = base + 3 * n * L;
        int p4 = base + 4 * n * L;
        int p5 = base + 5 * n * L;
        FloatVector a0 = FloatVector.zero(S);
        FloatVector b0 = a0, c0 = a0, d0 = a0, e0 = a0, f0 = a0, a1 = a0, b1 = a0, c1 = a0;
        FloatVector d1 = a0, e1 = a0, f1 = a0, a2 = a0, b2 = a0, c2 = a0, d2 = a0, e2 = a0;
        FloatVector f2 = a0, a3 = a0, b3 = a0, c3 = a0, d3 = a0, e3 = a0, f3 = a0;
        for (int i = 0; i < n; i++) {
            FloatVector wa = FloatVector.fromArray(S, p, base + i * L);
            FloatVector wb = FloatVector.fromArray(S, p, p1 + i * L);
            FloatVector wc = FloatVector.fromArray(S, p, p2 + i * L);
            FloatVector wd = FloatVector.fromArray(S, p, p3 + i * L);
            FloatVector we = FloatVector.fromArray(S, p, p4 + i * L);
            FloatVector wf = FloatVector.fromArray(S, p, p5 + i * L);
            FloatVector v0 = FloatVector.broadcast(S, x[x0 + i]);
            a0 = wa.fma(v0, a0);
            b0 = wb.fma(v0, b0);
            c0 = wc.fma(v0, c0);
            d0 = wd.fma(v0, d0);
            e0 = we.fma(v0, e0);
            f0 = wf.fma(v0, f0);
            FloatVector v1 = FloatVector.broadcast(S, x[x0 + n + i]);
            a1 = wa.fma(v1, a1);
            b1 = wb.fma(v1, b1);
            c1 = wc.fma(v1, c1);
            d1 = wd.fma(v1, d1);
            e1 = we.fma(v1, e1);
            f1 = wf.fma(v1, f1);
            FloatVector v2 = FloatVector.broadcast(S, x[x0 + 2 * n + i]);
            a2 = wa.fma(v2, a2);
            b2 = wb.fma(v2, b2);
            c2 = wc.fma(v2, c2);
            d2 = wd.fma(v2, d2);
            e2 = we.fma(v2, e2);
            f2 = wf.fma(v2, f2);
            FloatVector v3 = FloatVector.broadcast(S, x[x0 + 3 * n + i]);
            a3 = wa.fma(v3, a3);
            b3 = wb.fma(v3, b3);
            c3 = wc.fma(v3, c3);
            d3 = wd.fma(v3, d3);
            e3 = we.fma(v3, e3);
            f3 = wf.fma(v3, f3);
        }
        a0.intoArray(y, at);
        b0.intoArray(y, at + L);
        c0.intoArray(y, at + 2 * L);
        d0.intoArray(y, at + 3 * L);
        e0.intoArray(y, at + 4 * L);
        f0.intoArray(y, at + 5 * L);
        a1.intoArray(y, at + stride);
        b1.intoArray(y, at + stride + L);
        c1.intoArray(y, at + stride + 2 * L);
        d1.intoArray(y, at + stride + 3 * L);
        e1.intoArray(y, at + stride + 4 * L);
        f1.intoArray(y, at + stride + 5 * L);
        a2.intoArray(y, at + 2 * stride);
        b2.intoArray(y, at + 2 * stride + L);
        c2.intoArray(y, at + 2 * stride + 2 * L);
        d2.intoArray(y, at + 2 * stride + 3 * L);
        e2.intoArray(y, at + 2 * stride + 4 * L);
        f2.intoArray(y, at + 2 * stride + 5 * L);
        a3.intoArray(y, at + 3 * stride);
        b3.intoArray(y, at + 3 * stride + L);
        c3.intoArray(y, at + 3 * stride + 2 * L);
        d3.intoArray(y, at + 3 * stride + 3 * L);
        e3.intoArray(y, at + 3 * stride + 4 * L);
        f3.intoArray(y, at + 3 * stride + 5 * L);
    }

    private void rows5x4(int base, float[] x, int x0, float[] y, int at, int stride) {
        float[] p = panels;
        int n = in;
        int p1 = base + 1 * n * L;
        int p2 = base + 2 * n * L;
        int p3 = base + 3 * n * L;
        FloatVector a0 = FloatVector.zero(S);
        FloatVector b0 = a0, c0 = a0, d0 = a0, a1 = a0, b1 = a0, c1 = a0, d1 = a0, a2 = a0;
        FloatVector b2 = a0, c2 = a0, d2 = a0, a3 = a0, b3 = a0, c3 = a0, d3 = a0, a4 = a0;
        FloatVector b4 = a0, c4 = a0, d4 = a0;
        for (int i = 0; i < n; i++) {
            FloatVector wa = FloatVector.fromArray(S, p, base + i * L);
            FloatVector wb = FloatVector.fromArray(S, p, p1 + i * L);
            FloatVector wc = FloatVector.fromArray(S, p, p2 + i * L);
            FloatVector wd = FloatVector.fromArray(S, p, p3 + i * L);
            FloatVector v0 = FloatVector.broadcast(S, x[x0 + i]);
            a0 = wa.fma(v0, a0);
            b0 = wb.fma(v0, b0);
            c0 = wc.fma(v0, c0);
            d0 = wd.fma(v0, d0);
            FloatVector v1 = FloatVector.broadcast(S, x[x0 + n + i]);
            a1 = wa.fma(v1, a1);
            b1 = wb.fma(v1, b1);
            c1 = wc.fma(v1, c1);
            d1 = wd.fma(v1, d1);
            FloatVector v2 = FloatVector.broadcast(S, x[x0 + 2 * n + i]);
            a2 = wa.fma(v2, a2);
            b2 = wb.fma(v2, b2);
            c2 = wc.fma(v2, c2);
            d2 = wd.fma(v2, d2);
            FloatVector v3 = FloatVector.broadcast(S, x[x0 + 3 * n + i]);
            a3 = wa.fma(v3, a3);
            b3 = wb.fma(v3, b3);
            c3 = wc.fma(v3, c3);
            d3 = wd.fma(v3, d3);
            FloatVector v4 = FloatVector.broadcast(S, x[x0 + 4 * n + i]);
            a4 = wa.fma(v4, a4);
            b4 = wb.fma(v4, b4);
            c4 = wc.fma(v4, c4);
            d4 = wd.fma(v4, d4);
        }
        a0.intoArray(y, at);
        b0.intoArray(y, at + L);
        c0.intoArray(y, at + 2 * L);
        d0.intoArray(y, at + 3 * L);
        a1.intoArray(y, at + stride);
        b1.intoArray(y, at + stride + L);
        c1.intoArray(y, at + stride + 2 * L);
        d1.intoArray(y, at + stride + 3 * L);
        a2.intoArray(y, at + 2 * stride);
        b2.intoArray(y, at + 2 * stride + L);
        c2.intoArray(y, at + 2 * stride + 2 * L);
        d2.intoArray(y, at + 2 * stride + 3 * L);
        a3.intoArray(y, at + 3 * stride);
        b3.intoArray(y, at + 3 * stride + L);
        c3.intoArray(y, at + 3 * stride + 2 * L);
        d3.intoArray(y, at + 3 * stride + 3 * L);
        a4.intoArray(y, at + 4 * stride);
        b4.intoArray(y, at + 4 * stride + L);
        c4.intoArray(y, at + 4 * stride + 2 * L);
        d4.intoArray(y, at + 4 * stride + 3 * L);
    }

    private void rows6x4(int base, float[] x, int x0, float[] y, int at, int stride) {
        float[] p = panels;
        int n = in;
        int p1 = base + 1 * n * L;
        int p2 = base + 2 * n * L;
        int p3 = base + 3 * n * L;
        FloatVector a0 = FloatVector.zero(S);
        FloatVector b0 = a0, c0 = a0, d0 = a0, a1 = a0, b1 = a0, c1 = a0, d1 = a0, a2 = a0;
        FloatVector b2 = a0, c2 = a0, d2 = a0, a3 = a0, b3 = a0, c3 = a0, d3 = a0, a4 = a0;
        FloatVector b4 = a0, c4 = a0, d4 = a0, a5 = a0, b5 = a0, c5 = a0, d5 = a0;
        for (int i = 0; i < n; i++) {
            FloatVector wa = FloatVector.fromArray(S, p, base + i * L);
            FloatVector wb = FloatVector.fromArray(S, p, p1 + i * L);
            FloatVector wc = FloatVector.fromArray(S, p, p2 + i * L);
            FloatVector wd = FloatVector.fromArray(S, p, p3 + i * L);
            FloatVector v0 = FloatVector.broadcast(S, x[x0 + i]);
            a0 = wa.fma(v0, a0);
            b0 = wb.fma(v0, b0);
            c0 = wc.fma(v0, c0);
            d0 = wd.fma(v0, d0);
            FloatVector v1 = FloatVector.broadcast(S, x[x0 + n + i]);
            a1 = wa.fma(v1, a1);
            b1 = wb.fma(v1, b1);
            c1 = wc.fma(v1, c1);
            d1 = wd.fma(v1, d1);
            FloatVector v2 = FloatVector.broadcast(S, x[x0 + 2 * n + i]);
            a2 = wa.fma(v2, a2);
            b2 = wb.fma(v2, b2);
            c2 = wc.fma(v2, c2);
            d2 = wd.fma(v2, d2);
            FloatVector v3 = FloatVector.broadcast(S, x[x0 + 3 * n + i]);
            a3 = wa.fma(v3, a3);
            b3 = wb.fma(v3, b3);
            c3 = wc.fma(v3, c3);
            d3 = wd.fma(v3, d3);
            FloatVector v4 = FloatVector.broadcast(S, x[x0 + 4 * n + i]);
            a4 = wa.fma(v4, a4);
            b4 = wb.fma(v4, b4);
            c4 = wc.fma(v4, c4);
            d4 = wd.fma(v4, d4);
            FloatVector v5 = FloatVector.broadcast(S, x[x0 + 5 * n + i]);
            a5 = wa.fma(v5, a5);
            b5 = wb.fma(v5, b5);
            c5 = wc.fma(v5, c5);
            d5 = wd.fma(v5, d5);
        }
        a0.intoArray(y, at);
        b0.intoArray(y, at + L);
        c0.intoArray(y, at + 2 * L);
        d0.intoArray(y, at + 3 * L);
        a1.intoArray(y, at + stride);
        b1.intoArray(y, at + stride + L);
        c1.intoArray(y, at + stride + 2 * L);
        d1.intoArray(y, at + stride + 3 * L);
        a2.intoArray(y, at + 2 * stride);
        b2.intoArray(y, at + 2 * stride + L);
        c2.intoArray(y, at + 2 * stride + 2 * L);
        d2.intoArray(y, at + 2 * stride + 3 * L);
        a3.intoArray(y, at + 3 * stride);
        b3.intoArray(y, at + 3 * stride + L);
        c3.intoArray(y, at + 3 * stride + 2 * L);
        d3.intoArray(y, at + 3 * stride + 3 * L);
        a4.intoArray(y, at + 4 * stride);
        b4.intoArray(y, at + 4 * stride + L);
        c4.intoArray(y, at + 4 * stride + 2 * L);
        d4.intoArray(y, at + 4 * stride + 3 * L);
        a5.intoArray(y, at + 5 * stride);
        b5.intoArray(y, at + 5 * stride + L);
        c5.intoArray(y, at + 5 * stride + 2 * L);
        d5.intoArray(y, at + 5 * stride + 3 * L);
    }

    // The kernels differ only in how many rows they carry (generated text, kept written out): the JIT keeps vectors
    // in registers only when each is its own local (an array of accumulators was 10x slower). Per input index: three
    // weight vectors loaded, each row's input broadcast and fused-multiply-added into its three accumulators.

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
        FloatVector a0 = FloatVector.zero(S), b0 = a0, c0 = a0, a1 = a0, b1 = a0, c1 = a0, a2 = a0, b2 = a0, c2 = a0, a3 = a0, b3 = a0, c3 = a0;
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

    private void rows5(int base, float[] x, int x0, float[] y, int at, int stride) {
        float[] p = panels;
        int n = in;
        int p1 = base + n * L;
        int p2 = base + 2 * n * L;
        FloatVector a0 = FloatVector.zero(S), b0 = a0, c0 = a0, a1 = a0, b1 = a0, c1 = a0, a2 = a0, b2 = a0, c2 = a0, a3 = a0, b3 = a0, c3 = a0;
        FloatVector a4 = a0, b4 = a0, c4 = a0;
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
            FloatVector v4 = FloatVector.broadcast(S, x[x0 + 4 * n + i]);
            a4 = wa.fma(v4, a4);
            b4 = wb.fma(v4, b4);
            c4 = wc.fma(v4, c4);
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
        a4.intoArray(y, at + 4 * stride);
        b4.intoArray(y, at + 4 * stride + L);
        c4.intoArray(y, at + 4 * stride + 2 * L);
    }

    private void rows6(int base, float[] x, int x0, float[] y, int at, int stride) {
        float[] p = panels;
        int n = in;
        int p1 = base + n * L;
        int p2 = base + 2 * n * L;
        FloatVector a0 = FloatVector.zero(S), b0 = a0, c0 = a0, a1 = a0, b1 = a0, c1 = a0, a2 = a0, b2 = a0, c2 = a0, a3 = a0, b3 = a0, c3 = a0;
        FloatVector a4 = a0, b4 = a0, c4 = a0, a5 = a0, b5 = a0, c5 = a0;
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
            FloatVector v4 = FloatVector.broadcast(S, x[x0 + 4 * n + i]);
            a4 = wa.fma(v4, a4);
            b4 = wb.fma(v4, b4);
            c4 = wc.fma(v4, c4);
            FloatVector v5 = FloatVector.broadcast(S, x[x0 + 5 * n + i]);
            a5 = wa.fma(v5, a5);
            b5 = wb.fma(v5, b5);
            c5 = wc.fma(v5, c5);
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
        a4.intoArray(y, at + 4 * stride);
        b4.intoArray(y, at + 4 * stride + L);
        c4.intoArray(y, at + 4 * stride + 2 * L);
        a5.intoArray(y, at + 5 * stride);
        b5.intoArray(y, at + 5 * stride + L);
        c5.intoArray(y, at + 5 * stride + 2 * L);
    }

    private void rows7(int base, float[] x, int x0, float[] y, int at, int stride) {
        float[] p = panels;
        int n = in;
        int p1 = base + n * L;
        int p2 = base + 2 * n * L;
        FloatVector a0 = FloatVector.zero(S), b0 = a0, c0 = a0, a1 = a0, b1 = a0, c1 = a0, a2 = a0, b2 = a0, c2 = a0, a3 = a0, b3 = a0, c3 = a0;
        FloatVector a4 = a0, b4 = a0, c4 = a0, a5 = a0, b5 = a0, c5 = a0, a6 = a0, b6 = a0, c6 = a0;
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
            FloatVector v4 = FloatVector.broadcast(S, x[x0 + 4 * n + i]);
            a4 = wa.fma(v4, a4);
            b4 = wb.fma(v4, b4);
            c4 = wc.fma(v4, c4);
            FloatVector v5 = FloatVector.broadcast(S, x[x0 + 5 * n + i]);
            a5 = wa.fma(v5, a5);
            b5 = wb.fma(v5, b5);
            c5 = wc.fma(v5, c5);
            FloatVector v6 = FloatVector.broadcast(S, x[x0 + 6 * n + i]);
            a6 = wa.fma(v6, a6);
            b6 = wb.fma(v6, b6);
            c6 = wc.fma(v6, c6);
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
        a4.intoArray(y, at + 4 * stride);
        b4.intoArray(y, at + 4 * stride + L);
        c4.intoArray(y, at + 4 * stride + 2 * L);
        a5.intoArray(y, at + 5 * stride);
        b5.intoArray(y, at + 5 * stride + L);
        c5.intoArray(y, at + 5 * stride + 2 * L);
        a6.intoArray(y, at + 6 * stride);
        b6.intoArray(y, at + 6 * stride + L);
        c6.intoArray(y, at + 6 * stride + 2 * L);
    }
}
