package org.specfair.bench;

import org.specfair.checkpoint.ModelConfig;
import org.specfair.finetune.AdamW;
import org.specfair.finetune.Trainer;
import org.specfair.finetune.TrainConfig;
import org.specfair.lm.CausalLM;
import org.specfair.lm.Models;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * {@code jobs/bench finetune [--quick] [--steps N] [--memory-steps N] [--no-memory] [--no-speed] [--device cpu|gpu[:N]]
 * [--precision fp32,fp16]}: finetuning cost on this machine.
 * <ol>
 * <li>Training tokens/s for gpt-neo-125M shapes (random weights, context 128, batch 4) in each precision of
 *     {@code --precision} (default fp32 then fp16: float16 compute on float32 masters), in the same run so their
 *     ratio is fair; the share of a step spent outside forward and backward (gradient norm, clipping, AdamW, the
 *     float16 copy refresh, bookkeeping), and on CPU the step time against the FLOP roofline measured in the same
 *     run (6 FLOPs per weight per token / the 1024^3 float32 GEMM rate).</li>
 * <li>Memory per step over {@code --memory-steps} (default 1,000) steps of a small GPT-Neo (2 layers, d 64; the
 *     125M model would take hours here): the live NDArrays of the model's manager (flat: each step's scope frees
 *     what the step allocates, gradient wrappers included), the resident set size and the JVM heap along the run.</li>
 * </ol>
 * Numbers depend on what else runs on the machine: say so next to them.
 */
public final class FinetuneBench {
    private FinetuneBench() {}

    public static void main(String[] args) throws IOException {
        List<String> a = List.of(args);
        boolean quick = a.contains("--quick");
        int steps = intArg(a, "--steps", quick ? 2 : 5);
        int memorySteps = intArg(a, "--memory-steps", quick ? 200 : 1000);
        String device = stringArg(a, "--device", "cpu");
        // float16 matmuls on CPU are emulated and very slow: there the 125M line is fp32 and fp16 is compared on a small model
        List<String> precisions = List.of(stringArg(a, "--precision", device.equals("cpu") ? "fp32" : "fp32,fp16").split(","));
        EngineBench.Plan plan = EngineBench.Plan.of(quick);

        if (!a.contains("--no-memory")) {
            memory(memorySteps);                                     // first: a fresh process's resident set
        }
        if (!a.contains("--no-speed")) {
            speed(steps, plan, device, precisions);
            optimizer(device, quick ? 3 : 7);
            if (device.equals("cpu") && !a.contains("--precision")) {
                mixedPrecisionOnCpu(steps);
            }
        }
        System.out.println("(the machine is shared with other developers' builds: timings are noisy)");
    }

    /** Training throughput for gpt-neo-125M shapes per precision and the share of a step outside forward and backward. */
    static void speed(int steps, EngineBench.Plan plan, String device, List<String> precisions) {
        boolean cpu = device.equals("cpu");
        double gemm = cpu ? EngineBench.gemmGflops(1024, plan) : Double.NaN;
        if (cpu) {
            System.out.printf("GEMM 1024^3 float32: %.1f GFLOP/s (FLOP ceiling, measured now)%n", gemm);
        }
        ModelConfig neo = EngineShapes.gptNeo125M();
        int context = 128;
        int batch = 4;
        double tokens = (double) batch * context;
        Double baseline = null;
        for (String precision : precisions) {
            TrainConfig c = TrainConfig.DEFAULTS.withAll(Map.of("context_length", String.valueOf(context), "batch_size",
                    String.valueOf(batch), "max_steps", String.valueOf(steps + 1), "learning_rate", "1e-4", "weight_decay", "0.01",
                    "precision", precision));
            try (CausalLM m = Models.random(neo, 1, device, "float32")) {
                Trainer t = new Trainer(m, "random", blocks(64, context, neo.vocabSize(), 1), List.of(), c, null);
                t.trainStepForBench();                              // warm-up: first-touch allocations, thread pools
                long total = 0;
                long fwdBwd = 0;
                for (int i = 0; i < steps; i++) {
                    t.trainStepForBench();
                    long[] times = t.lastStepTimes();
                    total += times[0];
                    fwdBwd += times[1];
                }
                t.close();
                double stepSec = total / 1e9 / steps;
                double perSec = tokens / stepSec;
                baseline = baseline == null ? perSec : baseline;
                System.out.printf("gpt-neo-125M shapes, %s on %s, batch %d x context %d: %.0f training tokens/s (%.2f s/step over %d steps;"
                        + " %.2fx the first precision's rate)%n", c.precision(), device, batch, context, perSec, stepSec, steps,
                        perSec / baseline);
                System.out.printf("  share of a step outside forward+backward: %.1f%% (%.3f s of %.2f s)%n",
                        100.0 * (total - fwdBwd) / total, (total - fwdBwd) / 1e9 / steps, stepSec);
                if (cpu) {
                    double weights = EngineBench.StepCost.of(neo).matmulWeights();
                    double rooflineSec = 6 * weights * tokens / (gemm * 1e9);
                    System.out.printf("  FLOP roofline (6 x %.0fM matmul weights x %.0f tokens / float32 GEMM rate): %.2f s/step;"
                            + " measured %.2fx roofline%n", weights / 1e6, tokens, rooflineSec, stepSec / rooflineSec);
                }
            }
        }
    }

    /**
     * The update alone over gpt-neo-125M's parameters, gradients clipped: {@link AdamW#step} (13 in-place passes, the
     * clip factor folded in) against the sequence it replaced (a clipping pass, then 14 passes), alternating, medians.
     */
    static void optimizer(String device, int rounds) {
        try (ai.djl.ndarray.NDManager mgr = ai.djl.ndarray.NDManager.newBaseManager(Models.parseDevice(device), "PyTorch")) {
            List<ai.djl.ndarray.NDArray> params = new ArrayList<>();
            List<ai.djl.ndarray.NDArray> grads = new ArrayList<>();
            try (CausalLM neo = Models.random(EngineShapes.gptNeo125M(), 1, device, "float32")) {
                for (var t : neo.parameters()) {
                    params.add(t.array().duplicate());
                    params.get(params.size() - 1).attach(mgr);
                }
            }
            for (ai.djl.ndarray.NDArray p : params) {
                grads.add(p.mul(0.01f));
            }
            AdamW adam = new AdamW(params, 0.9, 0.999, 1e-8, 0.01);
            ai.djl.ndarray.NDArray[] m = new ai.djl.ndarray.NDArray[params.size()];
            ai.djl.ndarray.NDArray[] v = new ai.djl.ndarray.NDArray[params.size()];
            for (int i = 0; i < m.length; i++) {
                m[i] = params.get(i).zerosLike();
                v[i] = params.get(i).zerosLike();
            }
            int smallest = 0;                                       // synchronising on it costs nothing
            for (int i = 0; i < params.size(); i++) {
                smallest = params.get(i).size() < params.get(smallest).size() ? i : smallest;
            }
            double[] javaSide = new double[rounds];
            double[] current = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                long t0 = System.nanoTime();
                try (ai.djl.ndarray.NDManager scope = mgr.newSubManager()) {
                    grads.forEach(g -> g.muli(0.5f));             // the clipping pass it used to take
                    javaSideAdamW(params, grads, m, v, r + 1, 1e-4, scope);
                    params.get(smallest).toFloatArray();           // on a GPU: wait for the queued kernels
                }
                long t1 = System.nanoTime();
                try (ai.djl.ndarray.NDManager scope = mgr.newSubManager()) {
                    adam.step(params, grads, 1e-4, 0.5, scope);
                    params.get(smallest).toFloatArray();
                }
                long t2 = System.nanoTime();
                javaSide[r] = (t1 - t0) / 1e9;
                current[r] = (t2 - t1) / 1e9;
            }
            java.util.Arrays.sort(javaSide);
            java.util.Arrays.sort(current);
            long n = params.stream().mapToLong(p -> p.getShape().size()).sum();
            System.out.printf("AdamW update (clipped) of %.0fM parameters on %s (median of %d alternating rounds): now %.3f s,"
                    + " the previous clip pass + 14-pass sequence %.3f s: %.2fx%n", n / 1e6, device, rounds, current[rounds / 2], javaSide[rounds / 2],
                    current[rounds / 2] / javaSide[rounds / 2]);
        }
    }

    /** The baseline: the AdamW step as it was, 14 elementwise ops and 4 temporaries per decayed parameter. */
    static void javaSideAdamW(List<ai.djl.ndarray.NDArray> params, List<ai.djl.ndarray.NDArray> grads, ai.djl.ndarray.NDArray[] m,
                              ai.djl.ndarray.NDArray[] v, int t, double lr, ai.djl.ndarray.NDManager scope) {
        double b1 = 0.9;
        double b2 = 0.999;
        double bc1 = 1 - Math.pow(b1, t);
        double sqrtBc2 = Math.sqrt(1 - Math.pow(b2, t));
        for (int i = 0; i < m.length; i++) {
            ai.djl.ndarray.NDArray w = params.get(i);
            ai.djl.ndarray.NDArray g = grads.get(i);
            if (AdamW.decays(w)) {
                w.muli((float) (1 - lr * 0.01));
            }
            m[i].muli((float) b1).addi(g.mul((float) (1 - b1)));
            v[i].muli((float) b2).addi(g.square().muli((float) (1 - b2)));
            ai.djl.ndarray.NDArray denom = v[i].sqrt();
            denom.attach(scope);
            denom.divi((float) sqrtBc2).addi(1e-8f);
            ai.djl.ndarray.NDArray update = m[i].div(denom);
            update.attach(scope);
            w.subi(update.muli((float) (lr / bc1)));
        }
    }

    /** fp16 (float16 working copy, float32 masters) against fp32 on CPU, same run, on a model small enough for CPU float16. */
    static void mixedPrecisionOnCpu(int steps) {
        boolean[] local = {false, true, false, true};
        ModelConfig small = new ModelConfig("gpt_neo", 4096, 256, 4, 8, 8, 1024, 128, 1e-5, 0, 32, local, "gelu_new", true,
                0, 0, "float32");
        double[] rate = new double[2];
        String[] precisions = {"fp32", "fp16"};
        for (int p = 0; p < 2; p++) {
            TrainConfig c = TrainConfig.DEFAULTS.withAll(Map.of("context_length", "128", "batch_size", "4",
                    "max_steps", String.valueOf(steps + 1), "learning_rate", "1e-4", "weight_decay", "0.01", "precision", precisions[p]));
            try (CausalLM m = Models.random(small, 1, "cpu", "float32")) {
                Trainer t = new Trainer(m, "random", blocks(32, 128, small.vocabSize(), 1), List.of(), c, null);
                t.trainStepForBench();
                long total = 0;
                long fwdBwd = 0;
                for (int i = 0; i < steps; i++) {
                    t.trainStepForBench();
                    total += t.lastStepTimes()[0];
                    fwdBwd += t.lastStepTimes()[1];
                }
                t.close();
                rate[p] = 512.0 * steps / (total / 1e9);
                System.out.printf("mixed precision on CPU, 4-layer d=256 GPT-Neo, batch 4 x 128, %s: %.0f training tokens/s"
                        + " (outside forward+backward %.1f%%)%n", precisions[p], rate[p], 100.0 * (total - fwdBwd) / total);
            }
        }
        System.out.printf("  fp16 / fp32 tokens/s on CPU: %.2fx (CPU float16 matmuls are emulated; the GPU is where fp16 pays)%n",
                rate[1] / rate[0]);
    }

    /** Resident memory along a long run of a small model: flat when each step frees what it allocates. */
    static void memory(int memorySteps) throws IOException {
        boolean[] local = {false, true};
        ModelConfig small = new ModelConfig("gpt_neo", 512, 64, 2, 4, 4, 256, 128, 1e-5, 0, 32, local, "gelu_new", true,
                0, 0, "float32");
        TrainConfig sc = TrainConfig.DEFAULTS.withAll(Map.of("context_length", "32", "batch_size", "4",
                "max_steps", String.valueOf(memorySteps), "learning_rate", "1e-3", "weight_decay", "0.01"));
        try (CausalLM m = Models.random(small, 2, "cpu", "float32")) {
            Trainer t = new Trainer(m, "random", blocks(256, 32, small.vocabSize(), 2), List.of(), sc, null);
            List<long[]> samples = new ArrayList<>();
            long started = System.nanoTime();
            for (int s = 1; s <= memorySteps; s++) {
                t.trainStepForBench();
                if (s == 10 || s % Math.max(1, memorySteps / 10) == 0) {
                    Runtime rt = Runtime.getRuntime();
                    samples.add(new long[] {s, rssKb(), m.manager().getManagedArrays().size(), (rt.totalMemory() - rt.freeMemory()) / 1024});
                }
            }
            double sec = (System.nanoTime() - started) / 1e9;
            t.close();
            System.out.printf("memory over %d steps of a 2-layer d=64 GPT-Neo (batch 4 x 32; %.1f steps/s):%n", memorySteps, memorySteps / sec);
            StringBuilder line = new StringBuilder("  RSS MB by step:");
            StringBuilder arrays = new StringBuilder("  live NDArrays in the model's manager (weights, moments, gradients) by step:");
            StringBuilder heap = new StringBuilder("  JVM heap used MB by step:");
            for (long[] p : samples) {
                line.append(String.format(" %d:%.0f", p[0], p[1] / 1024.0));
                arrays.append(String.format(" %d:%d", p[0], p[2]));
                heap.append(String.format(" %d:%.0f", p[0], p[3] / 1024.0));
            }
            System.out.println(line);
            System.out.println(arrays);
            System.out.println(heap);
            long[] early = samples.get(samples.size() / 2);
            long[] last = samples.get(samples.size() - 1);
            double perStep = last[0] == early[0] ? 0 : (double) (last[1] - early[1]) / (last[0] - early[0]);
            System.out.printf("  growth from step %d to %d: %.2f KB/step (%+.1f MB in all)%n", early[0], last[0], perStep,
                    (last[1] - early[1]) / 1024.0);
        }
    }

    /** Random token blocks (the cost does not depend on the text). */
    static List<int[]> blocks(int n, int length, int vocab, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<int[]> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(r.ints(length, 0, vocab).toArray());
        }
        return out;
    }

    static long rssKb() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D+", ""));
            }
        }
        return -1;
    }

    static String stringArg(List<String> a, String name, String fallback) {
        int i = a.indexOf(name);
        return i >= 0 && i + 1 < a.size() ? a.get(i + 1) : fallback;
    }

    static int intArg(List<String> a, String name, int fallback) {
        int i = a.indexOf(name);
        return i >= 0 && i + 1 < a.size() ? Integer.parseInt(a.get(i + 1)) : fallback;
    }
}
