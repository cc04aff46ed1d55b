package org.specfair.bench;

import ai.djl.engine.Engine;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code jobs/bench gpu [--device gpu:N] [--dtype float16|float32] [--peak-gbps GB/s]}: the prepared check
 * for a GPU machine, one command of a few minutes. At fp16 on one device it runs, in this order:
 * <ol>
 *   <li>{@code engine} with gpt-neo-125M shapes and with gpt-neo-1.3B shapes (random weights made here): decode step
 *       at batch 1 and 8 against the roofline measured on the device and against the HBM floor (weight bytes / peak
 *       bandwidth), then the per-op table of the model's matrices at 1-16 rows;</li>
 *   <li>{@code decode} with a gpt-neo-1.3B-shaped main and its first 2 layers plus noise as the assistant: verify
 *       cost in decode steps, Leviathan's prediction against the measured speedup, batch 16, scoring share, and
 *       main-only decoding against the HBM floor;</li>
 *   <li>{@code generate} with the demo pair, one Spark task on the device: the job against the same decoding
 *       in-process.</li>
 * </ol>
 * All quick variants, to stay under 5 minutes. Nothing is downloaded. Without a CUDA device (a CPU libtorch, or no
 * GPU) it prints one line saying so and what it would run, and exits 0: the dry run this project's CPU machines do.
 * The peak bandwidth defaults to an H200's HBM3e, {@value #H200_GBPS} GB/s (H100 SXM: 3350, A100 80GB: 2039).
 */
public final class GpuBench {
    static final double H200_GBPS = 4800;

    public static void main(String[] args) throws Exception {
        String device = "gpu:0";
        String dtype = "float16";
        double peak = H200_GBPS;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--device" -> device = value(args, ++i, "gpu(:[0-9]+)?");
                case "--dtype" -> dtype = value(args, ++i, "float16|float32");
                case "--peak-gbps" -> peak = Double.parseDouble(value(args, ++i, "[0-9]+(\\.[0-9]+)?"));
                default -> usage();
            }
        }
        int index = device.contains(":") ? Integer.parseInt(device.substring(device.indexOf(':') + 1)) : 0;
        String peakArg = String.format(Locale.ROOT, "%.0f", peak);
        String type = dtype;
        List<Stage> stages = List.of(
                new Stage("engine gpt-neo-125M", () -> EngineBench.main(new String[] {"--quick", "--device", "gpu:" + index,
                        "--dtype", type, "--shapes", "gpt-neo-125M", "--peak-gbps", peakArg})),
                new Stage("engine gpt-neo-1.3B", () -> EngineBench.main(new String[] {"--quick", "--device", "gpu:" + index,
                        "--dtype", type, "--shapes", "gpt-neo-1.3B", "--peak-gbps", peakArg})),
                new Stage("decode gpt-neo-1.3B", () -> DecodeBench.main(new String[] {"--quick", "--device", "gpu:" + index,
                        "--dtype", type, "--shapes", "gpt-neo-1.3B", "--peak-gbps", peakArg})),
                new Stage("generate demo pair", () -> GenerateBench.main(new String[] {"--quick", "--device", "gpu:" + index,
                        "--dtype", type, "--cores", "1"})));
        int gpus = Engine.getEngine("PyTorch").getGpuCount();
        if (gpus <= index) {
            System.out.println("gpu bench: no GPU found (PyTorch " + Engine.getEngine("PyTorch").getVersion() + " sees " + gpus
                    + " CUDA device(s); a CUDA libtorch is needed, docs/gpu.md): would run " + String.join(", ",
                    stages.stream().map(Stage::name).toList()) + " at " + dtype + " on gpu:" + index + " against " + peakArg
                    + " GB/s; nothing run");
            return;
        }
        List<String> failed = new ArrayList<>();
        long start = System.nanoTime();
        for (Stage s : stages) {
            long t0 = System.nanoTime();
            System.out.println("== " + s.name() + " ==");
            try {
                s.body().run();
            } catch (Exception | Error e) {
                failed.add(s.name());
                System.out.println("gpu bench: " + s.name() + " failed: " + e);
            }
            System.out.printf(Locale.ROOT, "== %s: %.0f s ==%n", s.name(), (System.nanoTime() - t0) / 1e9);
        }
        System.out.printf(Locale.ROOT, "gpu bench: %d stages in %.0f s%s%n", stages.size(), (System.nanoTime() - start) / 1e9,
                failed.isEmpty() ? "" : "; failed: " + String.join(", ", failed));
        System.exit(failed.isEmpty() ? 0 : 1); // Spark's non-daemon threads would keep the JVM up
    }

    interface Body {
        void run() throws Exception;
    }

    record Stage(String name, Body body) {}

    private static String value(String[] args, int i, String pattern) {
        if (i >= args.length || !args[i].matches(pattern)) {
            usage();
        }
        return args[i];
    }

    private static void usage() {
        System.err.println("usage: jobs/bench gpu [--device gpu:N] [--dtype float16|float32] [--peak-gbps GB/s]");
        System.exit(2);
    }
}
