package org.specfair.bench;

import org.specfair.lm.nn.PackedMatrix;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code jobs/bench native [--quick] [--shape OUTxIN] [--rows 1,5,8]}: the packed Java kernels' few-row products
 * against a native baseline, the same products written in C ({@code few_rows.c}, next to this class: the same packed
 * layout, kernel shapes and split between threads) and compiled here by {@code gcc -O3 -mavx2 -mfma}, in turns, round
 * by round. Default shape: the GPT-2 / GPT-Neo head (50257x768, rounded up to whole tiles, 50280: 154 MB, read from memory).
 *
 * <p>Why: issue 15 asks a 5-token pass to cost about one step, i.e. a 5-row product about a one-row one. When the Java
 * kernel misses that, this says whose limit it is: if the C kernel's 5 rows cost as many one-row products as the
 * Java kernel's, the machine (how far its cores overlap streaming with multiplying), not the JIT, sets the cost. Both
 * sides compute the same outputs, checked by hash (weights and inputs are small dyadic rationals, so every sum is
 * exact whatever the order). Without gcc (or off x86-64) it says so and times the Java kernels alone.
 */
public final class NativeBench {
    record Timing(double ms, long hash) {}

    public static void main(String[] args) throws Exception {
        boolean quick = false;
        int out = 50280;
        int in = 768;
        int[] rows = {1, 5, 8};
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> quick = true;
                case "--shape" -> {
                    if (i + 1 == args.length || !args[i + 1].matches("[1-9][0-9]*x[1-9][0-9]*")) {
                        usage();
                    }
                    String[] s = args[++i].split("x");
                    out = (Integer.parseInt(s[0]) + 23) / 24 * 24; // the C side takes whole tiles
                    in = Integer.parseInt(s[1]);
                }
                case "--rows" -> {
                    if (i + 1 == args.length || !args[i + 1].matches("([1-9]|1[0-6])(,([1-9]|1[0-6]))*")) {
                        usage();
                    }
                    rows = Arrays.stream(args[++i].split(",")).mapToInt(Integer::parseInt).toArray();
                }
                default -> usage();
            }
        }
        if (!PackedMatrix.available() || !PackedMatrix.warmUp()) {
            System.err.println("native bench: the packed Java kernels are off in this JVM (no --add-modules jdk.incubator.vector or no C2)");
            System.exit(1);
        }
        Path dir = Files.createTempDirectory("specfair-native");
        try {
            run(rows, copies(out, in), quick, out, in, compile(dir));
        } catch (IllegalStateException e) { // gcc or the C program failed, or the two computed different products
            System.err.println("native bench: " + e.getMessage());
            System.exit(1);
        } finally {
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    Files.delete(f);
                }
            }
            Files.delete(dir);
        }
    }

    private static void run(int[] rows, int copies, boolean quick, int out, int in, Path exe) throws IOException, InterruptedException {
        int threads = OpsBench.torchThreads();
        int rounds = quick ? 1 : 5;
        int reps = quick ? 5 : 25;
        System.out.printf(Locale.ROOT, "native bench: %dx%d (%.0f MB, %d cop%s), %d threads, median ms of %d per round, load %s; C: %s%n",
                out, in, 4.0 * out * in / 1e6, copies, copies == 1 ? "y" : "ies", threads, reps, OpsBench.loadAverage(),
                exe == null ? "none (no gcc -mavx2 here): Java kernels only" : "gcc -O3 -mavx2 -mfma, few_rows.c"
                        + (PackedMatrix.lanes() == 8 ? "" : " (AVX2; the Java kernels here are " + PackedMatrix.lanes() + "-lane ones)"));
        PackedMatrix[] java = new PackedMatrix[copies];
        for (int c = 0; c < copies; c++) {
            java[c] = new PackedMatrix(weights(out, in), null, out, in, threads);
        }
        Map<String, List<Double>> ratios = new LinkedHashMap<>();
        for (int round = 1; round <= rounds; round++) {
            Map<Integer, Timing> j = timeJava(java, rows, reps);
            Map<Integer, Timing> c = exe == null ? Map.of() : timeNative(exe, out, in, threads, reps, copies, rows);
            StringBuilder line = new StringBuilder("round " + round + ":");
            for (int r : rows) {
                double jr = j.get(r).ms() / j.get(rows[0]).ms();
                ratios.computeIfAbsent("java " + r, k -> new ArrayList<>()).add(jr);
                line.append(String.format(Locale.ROOT, "  %d row%s java %.2f ms (%.2fx)", r, r == 1 ? "" : "s", j.get(r).ms(), jr));
                if (!c.isEmpty()) {
                    if (c.get(r).hash() != j.get(r).hash()) {
                        throw new IllegalStateException("the C and Java products of " + r + " rows differ (hash "
                                + c.get(r).hash() + " against " + j.get(r).hash() + ")");
                    }
                    double cr = c.get(r).ms() / c.get(rows[0]).ms();
                    ratios.computeIfAbsent("c " + r, k -> new ArrayList<>()).add(cr);
                    line.append(String.format(Locale.ROOT, ", C %.2f ms (%.2fx)", c.get(r).ms(), cr));
                }
            }
            System.out.println(line);
        }
        StringBuilder summary = new StringBuilder("summary   cost over " + rows[0] + " row" + (rows[0] == 1 ? "" : "s") + ", range over rounds:");
        Map<String, Object> json = new LinkedHashMap<>();
        for (Map.Entry<String, List<Double>> e : ratios.entrySet()) {
            double lo = e.getValue().stream().mapToDouble(Double::doubleValue).min().orElseThrow();
            double hi = e.getValue().stream().mapToDouble(Double::doubleValue).max().orElseThrow();
            summary.append(String.format(Locale.ROOT, "  %s %.2f-%.2f", e.getKey(), lo, hi));
            json.put(e.getKey().replace(' ', '_') + "_rows_ratio", e.getValue());
        }
        System.out.println(summary);
        System.out.println(EngineBench.toJson(json));
    }

    private static void usage() {
        System.err.println("usage: jobs/bench native [--quick] [--shape OUTxIN] [--rows 1,5,8]");
        System.exit(2);
    }

    /** Copies of the weights, cycled, so that no product finds its weights in cache. */
    static int copies(int out, int in) {
        return (int) Math.max(1, Math.ceil(OpsBench.EVICT_BYTES / (4.0 * out * in)));
    }

    /** {@code few_rows.c}'s weights, row-major {@code [out, in]}: small dyadic rationals, exact in any sum. */
    static float[] weights(int out, int in) {
        float[] w = new float[out * in];
        for (long o = 0; o < out; o++) {
            for (long i = 0; i < in; i++) {
                w[(int) (o * in + i)] = (float) ((o * 131 + i * 71) % 97 - 48) * (1.0f / 256);
            }
        }
        return w;
    }

    /** {@code few_rows.c}'s inputs for {@code rows} rows. */
    static float[] inputs(int rows, int in) {
        float[] x = new float[rows * in];
        for (int k = 0; k < x.length; k++) {
            x[k] = (float) ((k / in * 37 + k % in * 13) % 61 - 30) * (1.0f / 128);
        }
        return x;
    }

    /** FNV-1a (64 bits) over the outputs' float bits, as {@code few_rows.c} prints it. */
    static long hash(float[] y, int n) {
        long h = 0xcbf29ce484222325L;
        for (int k = 0; k < n; k++) {
            h = (h ^ (Float.floatToRawIntBits(y[k]) & 0xffffffffL)) * 0x100000001b3L;
        }
        return h;
    }

    /** Median ms and output hash per row count; the row counts in turns, repeat by repeat, as {@code few_rows.c} does. */
    static Map<Integer, Timing> timeJava(PackedMatrix[] copies, int[] rows, int reps) {
        int out = copies[0].out();
        float[][] x = new float[rows.length][];
        float[][] y = new float[rows.length][];
        for (int a = 0; a < rows.length; a++) {
            x[a] = inputs(rows[a], copies[0].in());
            y[a] = new float[rows[a] * out];
        }
        double[][] ms = new double[rows.length][reps];
        for (int i = -3, c = 0; i < reps; i++) {
            for (int a = 0; a < rows.length; a++, c = (c + 1) % copies.length) {
                long t0 = System.nanoTime();
                copies[c].applyInto(x[a], rows[a], y[a]);
                if (i >= 0) {
                    ms[a][i] = (System.nanoTime() - t0) / 1e6;
                }
            }
        }
        Map<Integer, Timing> t = new LinkedHashMap<>();
        for (int a = 0; a < rows.length; a++) {
            Arrays.sort(ms[a]);
            t.put(rows[a], new Timing(ms[a][reps / 2], hash(y[a], rows[a] * out)));
        }
        return t;
    }

    /** Compiles {@code few_rows.c} into {@code dir}: its path, or null without gcc, AVX2 or x86-64. */
    static Path compile(Path dir) throws IOException, InterruptedException {
        String arch = System.getProperty("os.arch");
        if (!"amd64".equals(arch) && !"x86_64".equals(arch)) {
            return null;
        }
        Path src = dir.resolve("few_rows.c");
        try (InputStream in = NativeBench.class.getResourceAsStream("few_rows.c")) {
            Files.copy(in, src);
        }
        Path exe = dir.resolve("few_rows");
        Process gcc;
        try {
            gcc = new ProcessBuilder("gcc", "-O3", "-mavx2", "-mfma", "-pthread", "-o", exe.toString(), src.toString())
                    .redirectErrorStream(true).start();
        } catch (IOException e) { // no gcc on the PATH
            return null;
        }
        String log = new String(gcc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!gcc.waitFor(120, TimeUnit.SECONDS) || gcc.exitValue() != 0) {
            throw new IllegalStateException("gcc failed on few_rows.c: " + log.strip());
        }
        return exe;
    }

    static Map<Integer, Timing> timeNative(Path exe, int out, int in, int threads, int reps, int copies, int[] rows)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(exe.toString(), "" + out, "" + in, "" + threads, "" + reps, "" + copies));
        Arrays.stream(rows).forEach(r -> cmd.add("" + r));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(600, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("few_rows failed: " + text.strip());
        }
        return parse(text);
    }

    /** {@code few_rows}' lines "rows R ms M hash H", by row count. */
    static Map<Integer, Timing> parse(String text) {
        Map<Integer, Timing> t = new LinkedHashMap<>();
        for (String line : text.strip().split("\n")) {
            String[] f = line.strip().split(" ");
            if (f.length != 6 || !f[0].equals("rows") || !f[2].equals("ms") || !f[4].equals("hash")) {
                throw new IllegalStateException("few_rows printed an unexpected line: " + line);
            }
            t.put(Integer.parseInt(f[1]), new Timing(Double.parseDouble(f[3]), Long.parseUnsignedLong(f[5])));
        }
        return t;
    }
}
