package org.specfair.bench;

import org.specfair.checkpoint.ModelConfig;
import org.specfair.lm.CausalLM;
import org.specfair.lm.KvCache;
import org.specfair.lm.Models;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * {@code jobs/bench engine [--quick] [--threads N]}: decode speed of a model with gpt-neo-125M's
 * exact shapes (random weights, built in memory) against this machine's own two-term roofline,
 * measured in the same run (DESIGN.md, "Performance yardsticks"):
 * time per step >= max(FLOPs / GEMM rate, weight bytes / GEMV bandwidth).
 *
 * <p>Prints aligned human-readable lines, then one line of JSON with every figure. All times are
 * medians over timed iterations that follow warm-up iterations. A cached decode step at batch 1
 * should take at most {@value #TARGET_RATIO}x its roofline time.
 */
public final class EngineBench {
    static final double TARGET_RATIO = 3.0;
    static final int[] CONTEXTS = {16, 256};

    /** gpt-neo-125M: vocab 50257, d 768, 12 layers of 12 heads alternating global/local (window 256), 2048 positions. */
    public static ModelConfig gptNeo125M() {
        boolean[] local = new boolean[12];
        for (int i = 0; i < local.length; i++) {
            local[i] = i % 2 == 1;
        }
        return new ModelConfig("gpt_neo", 50257, 768, 12, 12, 12, 3072, 2048, 1e-5, 0, 256, local,
                "gelu_new", true, 50256, 50256, "float32");
    }

    /**
     * Iteration counts; --quick roughly halves the run. {@code modelWarmup} decode steps run once
     * before anything on the model is timed (the JIT is still compiling the engine's Java side then).
     */
    record Plan(int warmup, int iters, int decodeSteps, int fullIters, int modelWarmup) {
        static Plan of(boolean quick) {
            return quick ? new Plan(2, 5, 8, 1, 10) : new Plan(3, 15, 20, 3, 30);
        }

        /** Average context of a cached decode measurement that starts at {@code context} (it grows a token per step). */
        double midContext(int context) {
            return context + (warmup + decodeSteps) / 2.0;
        }
    }

    private final Map<String, Object> json = new LinkedHashMap<>();

    public static void main(String[] args) {
        boolean quick = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> quick = true;
                case "--threads" -> {
                    if (i + 1 == args.length || !args[i + 1].matches("[1-9][0-9]*")) {
                        usage();
                    }
                    System.setProperty("ai.djl.pytorch.num_threads", args[++i]);
                }
                default -> usage();
            }
        }
        new EngineBench().run(Plan.of(quick));
    }

    private static void usage() {
        System.err.println("usage: jobs/bench engine [--quick] [--threads N]");
        System.exit(2);
    }

    void run(Plan plan) {
        long start = System.nanoTime();
        json.put("bench", "engine");
        Engine engine = Engine.getEngine("PyTorch");
        String waitPolicy = System.getenv().getOrDefault("OMP_WAIT_POLICY", "unset (active)");
        line("engine", engine.getEngineName() + " " + engine.getVersion() + ", intra-op threads "
                + ai.djl.pytorch.jni.JniUtils.getNumThreads() + ", " + Runtime.getRuntime().availableProcessors()
                + " cpus, OMP_WAIT_POLICY " + waitPolicy, "");
        json.put("threads", ai.djl.pytorch.jni.JniUtils.getNumThreads());
        json.put("omp_wait_policy", waitPolicy);

        // (a) the roofline's two terms, measured now on this machine.
        double gemmGflops = gemmGflops(1024, plan);
        double gemvGbps = gemvGbps(50257, 768, plan);
        line("GEMM 1024^3 float32", gemmGflops, "GFLOP/s  (FLOP ceiling)");
        line("GEMV 50257x768 float32", gemvGbps, "GB/s     (weight-read ceiling)");
        json.put("gemm_gflops", round(gemmGflops));
        json.put("gemv_gbps", round(gemvGbps));

        ModelConfig config = gptNeo125M();
        long t0 = System.nanoTime();
        try (CausalLM model = Models.random(config, 1, "cpu", "float32")) {
            line("build gpt-neo-125M shapes (random)", ms(System.nanoTime() - t0), "ms");
            StepCost cost = StepCost.of(config);
            line("weights read per step", cost.weightBytes / 1e6, "MB");
            cachedStepMs(model, 1, CONTEXTS[0], new Plan(plan.modelWarmup, 0, 1, 0, 0));

            // (b) cached decode vs full recomputation at two contexts; (d) against the roofline.
            Map<String, Object> cached = new LinkedHashMap<>();
            Map<String, Object> full = new LinkedHashMap<>();
            Map<String, Object> ratios = new LinkedHashMap<>();
            for (int context : CONTEXTS) {
                double stepMs = cachedStepMs(model, 1, context, plan);
                double midContext = plan.midContext(context);
                double roofMs = cost.rooflineMs(1, midContext, gemmGflops, gemvGbps);
                double gflops = cost.flops(1, midContext) / (stepMs * 1e6);
                line("cached decode, batch 1, context " + context, stepMs, String.format(Locale.ROOT,
                        "ms/token  (%.1f GFLOP/s; roofline %.1f ms; %.2fx roofline)", gflops, roofMs, stepMs / roofMs));
                cached.put(String.valueOf(context), round(stepMs));
                ratios.put(String.valueOf(context), round(stepMs / roofMs));
                json.put("cached_step_gflops_ctx" + context, round(gflops));
                json.put("roofline_ms_ctx" + context, round(roofMs));
            }
            for (int context : CONTEXTS) {
                double stepMs = fullRecomputeMs(model, context, plan);
                line("no cache (full recompute), context " + context, stepMs, "ms/token");
                full.put(String.valueOf(context), round(stepMs));
            }
            json.put("cached_ms_per_token", cached);
            json.put("full_recompute_ms_per_token", full);
            json.put("cached_roofline_ratio", ratios);

            // (c) batching: same weights read once per step for 8 rows.
            double b1 = 1000.0 / (Double) cached.get(String.valueOf(CONTEXTS[0]));
            double b8Ms = cachedStepMs(model, 8, CONTEXTS[0], plan);
            double b8 = 8000.0 / b8Ms;
            double roof8 = cost.rooflineMs(8, plan.midContext(CONTEXTS[0]), gemmGflops, gemvGbps);
            line("cached decode, batch 1, context " + CONTEXTS[0], b1, "tokens/s");
            line("cached decode, batch 8, context " + CONTEXTS[0], b8, String.format(Locale.ROOT,
                    "tokens/s  (%.1f ms/step; %.2fx roofline)", b8Ms, b8Ms / roof8));
            json.put("batch1_tokens_per_s", round(b1));
            json.put("batch8_tokens_per_s", round(b8));
            json.put("batch8_roofline_ratio", round(b8Ms / roof8));

            double worst = ratios.values().stream().mapToDouble(v -> (Double) v).max().orElseThrow();
            json.put("target_ratio", TARGET_RATIO);
            json.put("meets_target", worst <= TARGET_RATIO);
            line("worst cached batch-1 step / roofline", worst, "x  (target <= " + TARGET_RATIO + ")");
        }
        json.put("wall_s", round((System.nanoTime() - start) / 1e9));
        System.out.println(toJson(json));
    }

    // ---- the roofline's terms ----

    /** FLOP rate of a plain square float32 matmul. */
    static double gemmGflops(int n, Plan plan) {
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            NDArray a = m.randomNormal(new Shape(n, n));
            NDArray b = m.randomNormal(new Shape(n, n));
            double sec = median(plan.warmup, plan.iters, () -> a.matMul(b).close());
            return 2.0 * n * n * n / sec / 1e9;
        }
    }

    /** Weight bytes per second of a matrix-vector product, through the same Linear op as the LM head. */
    static double gemvGbps(int rows, int cols, Plan plan) {
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            NDArray w = m.randomNormal(new Shape(rows, cols));
            NDArray x = m.randomNormal(new Shape(1, cols));
            double sec = median(plan.warmup, plan.iters, () -> ai.djl.nn.core.Linear.linear(x, w).singletonOrThrow().close());
            return 4.0 * rows * cols / sec / 1e9;
        }
    }

    /**
     * FLOPs and bytes of one decode step: every weight matrix is read once per step whatever the batch;
     * each row multiplies it (2 FLOPs per weight) and reads its own keys/values.
     */
    record StepCost(double matmulWeights, double weightBytes, ModelConfig c) {
        static StepCost of(ModelConfig c) {
            double d = c.hiddenSize();
            double kv = (double) c.numKvHeads() * c.headDim();
            double mlpMatrices = c.modelType().equals("llama") ? 3 : 2;
            double perLayer = d * d * 2 + d * kv * 2 + mlpMatrices * d * c.intermediateSize();
            double weights = c.numLayers() * perLayer + (double) c.vocabSize() * d;
            return new StepCost(weights, 4 * weights, c);
        }

        /** Key/value slots a layer attends to at {@code context} (local layers stop at the window). */
        double attended(double context, int layer) {
            return c.localLayers()[layer] ? Math.min(context, c.windowSize()) : context;
        }

        double flops(int batch, double context) {
            double attention = 0;
            for (int l = 0; l < c.numLayers(); l++) {
                attention += 4 * attended(context, l) * c.hiddenSize(); // q.k and p.v
            }
            return batch * (2 * matmulWeights + attention);
        }

        double bytes(int batch, double context) {
            double kvCache = 0;
            for (int l = 0; l < c.numLayers(); l++) {
                kvCache += 2 * attended(context, l) * c.numKvHeads() * c.headDim() * 4;
            }
            return weightBytes + batch * kvCache;
        }

        double rooflineMs(int batch, double context, double gemmGflops, double gemvGbps) {
            return Math.max(flops(batch, context) / (gemmGflops * 1e6), bytes(batch, context) / (gemvGbps * 1e6));
        }
    }

    // ---- decoding ----

    /**
     * Median ms of a greedy cached decode step (one token per row, argmax back to the host) after a
     * prefill of {@code context} tokens; the context grows by one per step.
     */
    static double cachedStepMs(CausalLM model, int batch, int context, Plan plan) {
        SplittableRandom rnd = new SplittableRandom(context);
        int[][] prompts = new int[batch][context];
        for (int[] p : prompts) {
            Arrays.setAll(p, i -> rnd.nextInt(model.config().vocabSize()));
        }
        try (NDManager scope = model.manager().newSubManager(); KvCache cache = model.newCache(batch)) {
            int[][][] next = {greedy(model.lastLogits(scope, prompts, cache))};
            return 1000 * median(plan.warmup, plan.decodeSteps, () -> {
                try (NDManager step = scope.newSubManager()) {
                    next[0] = greedy(model.lastLogits(step, next[0], cache));
                }
            });
        }
    }

    /** Median ms to get the next token by rerunning the whole sequence of {@code context} tokens, no cache. */
    static double fullRecomputeMs(CausalLM model, int context, Plan plan) {
        int[] seq = new SplittableRandom(context).ints(context, 0, model.config().vocabSize()).toArray();
        try (NDManager scope = model.manager().newSubManager()) {
            return 1000 * median(1, plan.fullIters, () -> {
                try (NDManager step = scope.newSubManager()) {
                    greedy(model.lastLogits(step, new int[][] {seq}, null));
                }
            });
        }
    }

    static int[][] greedy(NDArray lastLogits) {
        long[] ids = lastLogits.argMax(-1).toLongArray();
        int[][] next = new int[ids.length][];
        for (int r = 0; r < ids.length; r++) {
            next[r] = new int[] {(int) ids[r]};
        }
        return next;
    }

    // ---- timing and output ----

    /** Median seconds of {@code iters} timed runs after {@code warmup} untimed ones. */
    static double median(int warmup, int iters, Runnable body) {
        for (int i = 0; i < warmup; i++) {
            body.run();
        }
        double[] sec = new double[iters];
        for (int i = 0; i < iters; i++) {
            long t = System.nanoTime();
            body.run();
            sec[i] = (System.nanoTime() - t) / 1e9;
        }
        Arrays.sort(sec);
        return iters % 2 == 1 ? sec[iters / 2] : (sec[iters / 2 - 1] + sec[iters / 2]) / 2;
    }

    static double ms(long nanos) {
        return nanos / 1e6;
    }

    static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }

    static void line(String what, double value, String unit) {
        System.out.printf(Locale.ROOT, "%-42s %10.2f %s%n", what, value, unit);
        System.out.flush();
    }

    static void line(String what, String value, String unit) {
        System.out.printf(Locale.ROOT, "%-42s %s %s%n", what, value, unit);
    }

    static String toJson(Object o) {
        if (o instanceof Map<?, ?> map) {
            List<String> parts = new ArrayList<>();
            map.forEach((k, v) -> parts.add("\"" + k + "\": " + toJson(v)));
            return "{" + String.join(", ", parts) + "}";
        }
        return o instanceof String s ? "\"" + s + "\"" : String.valueOf(o);
    }
}
