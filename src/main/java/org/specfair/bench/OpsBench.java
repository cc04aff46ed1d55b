package org.specfair.bench;

import org.specfair.checkpoint.ModelConfig;
import org.specfair.lm.nn.Linear;
import org.specfair.lm.nn.PackedMatrix;
import org.specfair.lm.nn.PackedWeights;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * {@code jobs/bench ops [--quick] [--more] [--only OP-PREFIX] [--rows 1,2,4,8,16]}: the matrix products of a decode step, verify pass or
 * short prefill (gpt-neo-125M / gpt2 shapes: LM head 50257x768, q/k/v/o 768x768, fused qkv 2304x768, MLP
 * 3072x768 and 768x3072) with M = 1..16 rows, in every call form the engine could use, through DJL's PyTorch.
 * {@code --only head} (or {@code qkv}, {@code mlp}, ...) times the matrices whose name starts so.
 * Prints ms per product (median of repeats) and the ratio to the same form at M = 1. All forms of one shape and
 * row count are timed in turns, repeat by repeat, so a slow spell of this shared machine hits them alike.
 *
 * <p>Forms: {@code engine} (what the model's {@link Linear} does: the packed kernel where it applies, else the
 * few-row rule), {@code packed} (the Java Vector API kernel of {@link PackedMatrix}, only on the CPU in float32 with
 * the {@code jdk.incubator.vector} module; each weight copy is packed before the timing starts; called directly,
 * at any row count, which is how {@code --rows 64,128,256} compares it with torch at larger row counts: the
 * {@code pk/lin} line), {@code few-row}
 * (the torch-only rule of {@link Linear} without a packed copy: {@code W . x^T} for 2-16 rows through wide weights,
 * the head's one row padded to two), {@code linear} (W stored {@code [out, in]}, torch's linear: sgemm with W transposed), {@code x.Wt}
 * (a contiguous {@code [in, out]} copy made once: sgemm without transposes), {@code W.xT} (W times the rows as
 * columns, result transposed back as a view), {@code Wt'.xT} (the same with the {@code [in, out]} copy seen transposed), {@code rows} (one linear per row, results stacked), {@code +bias}
 * (linear with a bias, torch's addmm), {@code qkv3} (three 768x768 linears, against one fused 2304x768 one).
 *
 * <p>{@code --more} adds the forms tried and rejected in round 2 of issue 15, kept so the rule can be re-checked:
 * {@code linear'} (linear through W seen as a transposed {@code [in, out]} array: GPT-2's Conv1D layout before it
 * was copied to {@code [out, in]} at load), {@code pad2} (one row padded with a zero row, then W.xT; more rows: W.xT),
 * {@code W.xT 4s} (W.xT in blocks of 4 rows: 5 = 4 + 1, 8 = 4 + 4),
 * {@code mv} (one matrix-vector product per row), {@code bmm} (W.xT as a batched 3-D product), and for narrow
 * weights (out < in) {@code Kblk} (the inner dimension in 4 blocks, each a contiguous {@code [out, in/4]} copy:
 * sum of W_k.x_kT).
 */
public final class OpsBench {
    /** Three times this machine's 32 MB last-level cache: enough weight copies that none is still cached when reused. */
    static final double EVICT_BYTES = 96e6;
    static final int[] DEFAULT_ROWS = {1, 2, 3, 4, 5, 6, 8, 12, 16};
    /** The packed kernel's form; after each op its time over linear's is printed row count by row count. */
    static final String PACKED = "packed";

    /** One weight matrix of a real model, {@code [out, in]}. */
    record Op(String name, long out, long in) {}

    /** A model's matrices: LM head, fused q/k/v (GPT-2's c_attn), one attention projection, MLP up and down. */
    static List<Op> opsOf(ModelConfig c) {
        long d = c.hiddenSize();
        long inner = c.intermediateSize();
        return List.of(
                new Op("head " + c.vocabSize() + "x" + d, c.vocabSize(), d),
                new Op("qkv fused " + 3 * d + "x" + d, 3 * d, d),
                new Op("q/k/v/o " + d + "x" + d, d, d),
                new Op("mlp fc " + inner + "x" + d, inner, d),
                new Op("mlp proj " + d + "x" + inner, d, inner));
    }

    public static void main(String[] args) {
        boolean quick = false;
        boolean more = false;
        String only = "";
        int[] rows = DEFAULT_ROWS;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> quick = true;
                case "--more" -> more = true;
                case "--only" -> {
                    if (i + 1 == args.length) {
                        usage();
                    }
                    only = args[++i];
                }
                case "--rows" -> {
                    if (i + 1 == args.length || !args[i + 1].matches("[1-9][0-9]*(,[1-9][0-9]*)*")) {
                        usage();
                    }
                    rows = java.util.Arrays.stream(args[++i].split(",")).mapToInt(Integer::parseInt).toArray();
                }
                default -> usage();
            }
        }
        System.out.println("ops bench: " + ai.djl.engine.Engine.getEngine("PyTorch").getVersion() + " float32, intra-op threads "
                + ai.djl.pytorch.jni.JniUtils.getNumThreads() + ", load " + loadAverage() + ", packed kernel "
                + packedKernel(Device.cpu(), DataType.FLOAT32));
        String prefix = only;
        List<Op> ops = opsOf(EngineShapes.gptNeo125M()).stream().filter(op -> op.name.startsWith(prefix)).toList();
        Map<String, Object> json = table(ops, Device.cpu(), DataType.FLOAT32, rows,
                quick ? 3 : 5, quick ? 9 : 21, more);
        System.out.println(EngineBench.toJson(json));
    }

    private static void usage() {
        System.err.println("usage: jobs/bench ops [--quick] [--more] [--only OP-PREFIX] [--rows 1,2,4,8,16]");
        System.exit(2);
    }

    /** The 1-minute load average, to print next to numbers taken on a shared machine. */
    static String loadAverage() {
        try {
            return java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).split(" ")[0];
        } catch (java.io.IOException | RuntimeException e) {
            return "unknown";
        }
    }

    /**
     * Whether the model's {@link Linear} takes the packed kernel on
     * {@code device} in {@code type}: "on", or "off" with the reason (mirrors {@link PackedWeights}' conditions).
     */
    static String packedKernel(Device device, DataType type) {
        if (!Device.Type.CPU.equals(device.getDeviceType()) || type != DataType.FLOAT32) {
            return "off (CPU float32 only)";
        }
        if (!PackedMatrix.available()) {
            return "off (no --add-modules jdk.incubator.vector)";
        }
        return "false".equals(System.getProperty("specfair.packed")) ? "off (-Dspecfair.packed=false)"
                : "on (GPT-2/GPT-Neo blocks in Java: "
                + ("false".equals(System.getProperty("specfair.rowpath")) ? "off, -Dspecfair.rowpath=false" : "on") + ")";
    }

    /** PyTorch's intra-op threads (loading the engine first), which the engine's packed products also use. */
    static int torchThreads() {
        ai.djl.engine.Engine.getEngine("PyTorch");
        return Math.max(1, ai.djl.pytorch.jni.JniUtils.getNumThreads());
    }

    /** Prints the per-op table and returns it as {@code {op: {form: {rows: ms}}}}. */
    static Map<String, Object> table(List<Op> ops, Device device, DataType type, int[] rows, int warmup, int repeats) {
        return table(ops, device, type, rows, warmup, repeats, false);
    }

    /** As above; {@code more}: also the rejected forms (see the class comment). */
    static Map<String, Object> table(List<Op> ops, Device device, DataType type, int[] rows, int warmup, int repeats,
                                     boolean more) {
        Map<String, Object> json = new LinkedHashMap<>();
        try (NDManager m = NDManager.newBaseManager(device, "PyTorch")) {
            for (Op op : ops) {
                // A model's weights (~500 MB for gpt-neo-125M) do not fit the last-level cache, so every product
                // reads its matrix from memory; timing one small matrix over and over would time the cache
                // instead. Each call takes the next of enough copies to overflow it.
                int copies = (int) Math.max(1, Math.ceil(EVICT_BYTES / (4.0 * op.out * op.in)));
                NDArray[] w = new NDArray[copies];
                NDArray[] wt = new NDArray[copies];
                for (int c = 0; c < copies; c++) {
                    w[c] = m.randomNormal(0, 0.02f, new Shape(op.out, op.in), DataType.FLOAT32).toType(type, false);
                    // duplicate() would keep the transposed strides (torch's clone preserves them); flatten copies in order
                    wt[c] = w[c].transpose().flatten().reshape(op.in, op.out);
                }
                int kBlocks = more && op.out < op.in ? 4 : 0;
                NDArray[][] wk = new NDArray[copies][kBlocks];
                for (int c = 0; c < copies; c++) {
                    for (int b = 0; b < kBlocks; b++) {
                        long k0 = op.in * b / kBlocks;
                        long k1 = op.in * (b + 1) / kBlocks;
                        wk[c][b] = w[c].get(":, " + k0 + ":" + k1).flatten().reshape(op.out, k1 - k0);
                    }
                }
                NDArray bias = m.zeros(new Shape(op.out), type);
                // The packed copies (the engine's and the packed form's), made here so that no timing includes packing.
                PackedWeights packs = new PackedWeights(device, type);
                boolean packed = packedKernel(device, type).startsWith("on");
                PackedMatrix[] pw = new PackedMatrix[packed ? copies : 0];
                for (int c = 0; c < pw.length; c++) {
                    try (NDManager once = m.newSubManager()) {
                        new Linear(w[c], null, packs).apply(once.zeros(new Shape(1, op.in), type));
                    }
                    pw[c] = new PackedMatrix(w[c].toFloatArray(), null, (int) op.out, (int) op.in, torchThreads());
                }
                int[] next = {0};
                java.util.function.IntSupplier turn = () -> next[0] = (next[0] + 1) % copies;
                Map<String, Function<NDArray, NDArray>> forms = new LinkedHashMap<>();
                // The packed form goes first in each turn, right after the torch forms of the previous turn, as a model's
                // products follow torch ops: the first Java product after a torch op runs 0.1-0.3 ms slower (head, one
                // row: 2.9-3.2 against 2.7-2.8 ms; torch's threads still hold the cores?), and the crossover line
                // should include that.
                if (packed) { // Linear's packed path without its row limit
                    forms.put(PACKED, x -> {
                        int rowCount = (int) x.getShape().get(0);
                        float[] y = pw[turn.getAsInt()].apply(x.toFloatArray(), rowCount);
                        return x.getManager().create(y, new Shape(rowCount, op.out));
                    });
                }
                forms.put("engine", x -> new Linear(w[turn.getAsInt()], null, packs).apply(x));
                forms.put("few-row", x -> new Linear(w[turn.getAsInt()], null).apply(x));
                forms.put("linear", x -> linear(x, w[turn.getAsInt()], null));
                forms.put("x.Wt", x -> x.matMul(wt[turn.getAsInt()]));
                forms.put("W.xT", x -> w[turn.getAsInt()].matMul(x.transpose()).transpose());
                forms.put("Wt'.xT", x -> wt[turn.getAsInt()].transpose().matMul(x.transpose()).transpose());
                forms.put("rows", x -> {
                    NDArray wr = w[turn.getAsInt()];
                    NDList parts = new NDList();
                    for (int r = 0; r < x.getShape().get(0); r++) {
                        parts.add(linear(x.get(r).expandDims(0), wr, null));
                    }
                    return NDArrays.concat(parts, 0);
                });
                forms.put("+bias", x -> linear(x, w[turn.getAsInt()], bias));
                if (op.out == op.in) {
                    forms.put("qkv3", x -> {
                        linear(x, w[turn.getAsInt()], null);
                        linear(x, w[turn.getAsInt()], null);
                        return linear(x, w[turn.getAsInt()], null);
                    });
                }
                if (more) {
                    forms.put("linear'", x -> linear(x, wt[turn.getAsInt()].transpose(), null));
                    forms.put("W.xT 4s", x -> {
                        NDArray wr = w[turn.getAsInt()];
                        long n = x.getShape().get(0);
                        NDList parts = new NDList();
                        for (long from = 0; from < n; from += 4) {
                            parts.add(wr.matMul(x.get(from + ":" + Math.min(n, from + 4)).transpose()).transpose());
                        }
                        return NDArrays.concat(parts, 0);
                    });
                    forms.put("pad2", x -> { // one row padded with a zero row: W.xT at 2 rows, the first row kept
                        if (x.getShape().get(0) != 1) {
                            return w[turn.getAsInt()].matMul(x.transpose()).transpose();
                        }
                        NDArray two = NDArrays.concat(new NDList(x, x.zerosLike()), 0);
                        return w[turn.getAsInt()].matMul(two.transpose()).get(":, 0");
                    });
                    forms.put("mv", x -> {
                        NDArray wr = w[turn.getAsInt()];
                        NDList parts = new NDList();
                        for (int r = 0; r < x.getShape().get(0); r++) {
                            parts.add(wr.matMul(x.get(r)).expandDims(0));
                        }
                        return NDArrays.concat(parts, 0);
                    });
                    forms.put("bmm", x -> w[turn.getAsInt()].expandDims(0).matMul(x.transpose().expandDims(0)).squeeze(0).transpose());
                    if (kBlocks > 0) {
                        forms.put("Kblk", x -> {
                            NDArray[] wr = wk[turn.getAsInt()];
                            NDArray sum = null;
                            for (int b = 0; b < kBlocks; b++) {
                                long k0 = op.in * b / kBlocks;
                                long k1 = op.in * (b + 1) / kBlocks;
                                NDArray part = wr[b].matMul(x.get(":, " + k0 + ":" + k1).transpose());
                                sum = sum == null ? part : sum.addi(part);
                            }
                            return sum.transpose();
                        });
                    }
                }
                Map<String, double[]> ms = new LinkedHashMap<>();
                forms.keySet().forEach(f -> ms.put(f, new double[rows.length]));
                for (int i = 0; i < rows.length; i++) {
                    NDArray x = m.randomNormal(new Shape(rows[i], op.in)).toType(type, false);
                    Map<String, double[]> samples = new LinkedHashMap<>();
                    forms.keySet().forEach(f -> samples.put(f, new double[repeats]));
                    for (int rep = -warmup; rep < repeats; rep++) {
                        for (var form : forms.entrySet()) {
                            try (NDManager scope = m.newSubManager()) {
                                NDArray xs = x.duplicate();
                                xs.attach(scope);
                                long t = System.nanoTime();
                                EngineBench.finish(form.getValue().apply(xs)); // waits for a GPU's queue
                                double took = (System.nanoTime() - t) / 1e6;
                                if (rep >= 0) {
                                    samples.get(form.getKey())[rep] = took;
                                }
                            }
                        }
                    }
                    for (String f : forms.keySet()) {
                        double[] s = samples.get(f);
                        java.util.Arrays.sort(s);
                        ms.get(f)[i] = s[s.length / 2];
                    }
                    x.close();
                }
                print(op, rows, ms);
                Map<String, Object> opJson = new LinkedHashMap<>();
                ms.forEach((f, v) -> {
                    Map<String, Object> byRows = new LinkedHashMap<>();
                    for (int i = 0; i < rows.length; i++) {
                        byRows.put(String.valueOf(rows[i]), EngineBench.round(v[i]));
                    }
                    opJson.put(f, byRows);
                });
                json.put(op.name, opJson);
                for (int c = 0; c < copies; c++) {
                    w[c].close();
                    wt[c].close();
                    for (NDArray a : wk[c]) {
                        a.close();
                    }
                }
                bias.close();
            }
        }
        return json;
    }

    private static NDArray linear(NDArray x, NDArray w, NDArray bias) {
        return bias == null ? ai.djl.nn.core.Linear.linear(x, w).singletonOrThrow()
                : ai.djl.nn.core.Linear.linear(x, w, bias).singletonOrThrow();
    }

    private static void print(Op op, int[] rows, Map<String, double[]> ms) {
        StringBuilder head = new StringBuilder(String.format(Locale.ROOT, "%-20s %-7s", op.name, "M ="));
        for (int r : rows) {
            head.append(String.format(Locale.ROOT, " %7d", r));
        }
        System.out.println(head);
        for (var e : ms.entrySet()) {
            double[] v = e.getValue();
            StringBuilder ln = new StringBuilder(String.format(Locale.ROOT, "%-20s %-7s", "", e.getKey()));
            List<String> ratios = new ArrayList<>();
            for (int i = 0; i < rows.length; i++) {
                ln.append(String.format(Locale.ROOT, " %7.3f", v[i]));
                ratios.add(String.format(Locale.ROOT, "%.2f", v[i] / v[0]));
            }
            System.out.println(ln + "  ms   (x M=1: " + String.join(" ", ratios) + ")");
        }
        if (ms.containsKey(PACKED)) {
            StringBuilder ln = new StringBuilder(String.format(Locale.ROOT, "%-20s %-7s", "", "pk/lin"));
            for (int i = 0; i < rows.length; i++) {
                ln.append(String.format(Locale.ROOT, " %7.2f", ms.get(PACKED)[i] / ms.get("linear")[i]));
            }
            System.out.println(ln + "  packed / linear (< 1: packed faster)");
        }
        System.out.flush();
    }
}
