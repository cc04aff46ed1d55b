package org.specfair.bench;

import org.specfair.checkpoint.ResolvedCheckpoint;
import org.specfair.decode.DecodeConfig;
import org.specfair.demo.DemoModels;
import org.specfair.generate.GenerateOptions;
import org.specfair.generate.PromptDecoder;
import org.specfair.generate.RunInfo;
import org.specfair.lm.CausalLM;
import org.specfair.lm.Models;
import org.specfair.prompts.Prompt;
import org.specfair.prompts.PromptColumns;
import org.specfair.prompts.PromptSource;
import org.specfair.spark.ExecutorModels;
import org.specfair.tokenizer.TextTokenizer;

import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Heap a generation task holds for one large partition: the job's task as it was (every prompt decoded
 * into one list of result rows, returned at the end) against the lazy iterator it uses now (rows handed to
 * Spark's writer batch by batch). Same decoder, same prompts, same run; the demo pair on CPU.
 *
 * <p>The figure is the retained heap (used after a full GC, sampled every few batches) above what was
 * retained before decoding: garbage is not counted, so the number does not depend on the GC's timing.
 * {@code jobs/bench partition [--prompts 5000] [--batch-size 16] [--max-new-tokens 8]}
 */
public final class PartitionBench {
    private static final MemoryMXBean MEMORY = ManagementFactory.getMemoryMXBean();

    private PartitionBench() {}

    public static void main(String[] args) throws IOException {
        int prompts = 5000;
        int batch = 16;
        int maxNewTokens = 8;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--prompts" -> prompts = Integer.parseInt(args[i + 1]);
                case "--batch-size" -> batch = Integer.parseInt(args[i + 1]);
                case "--max-new-tokens" -> maxNewTokens = Integer.parseInt(args[i + 1]);
                default -> {
                    System.err.println("usage: jobs/bench partition [--prompts N] [--batch-size B] [--max-new-tokens T]");
                    System.exit(2);
                }
            }
        }
        System.setProperty("ai.djl.pytorch.num_threads", String.valueOf(Runtime.getRuntime().availableProcessors()));
        Path tmp = Files.createTempDirectory("specfair-partition-bench");
        Path sampleFile = Path.of("data/sample_prompts.tsv");
        DemoModels.Written demo = DemoModels.write(tmp.resolve("models"), sampleFile);
        List<Prompt> sample = PromptSource.load(List.of(sampleFile), "tsv", PromptColumns.SAMPLE, null, null);
        List<Prompt> workload = GenerateBench.repeated(sample, (prompts + sample.size() - 1) / sample.size()).subList(0, prompts);
        GenerateOptions opts = new GenerateOptions(demo.main().toString(), demo.draft().toString(), "cpu", "float32",
                DecodeConfig.greedy(maxNewTokens), 1, "bench", "base", tmp.resolve("unused").toString(), 1, batch, true, false, Set.of());
        ResolvedCheckpoint main = ResolvedCheckpoint.resolve(opts.mainModel(), new Configuration());
        ResolvedCheckpoint assistant = ResolvedCheckpoint.resolve(opts.assistantModel(), new Configuration());
        RunInfo run = RunInfo.of(opts, main, assistant);
        double load = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        System.out.printf(Locale.ROOT, "partition bench: one partition of %d prompts, batch %d, %d new tokens, demo pair, max heap %d MB,"
                        + " load average %.1f on %d cores (shared machine: times are noisy, heap figures are not)%n",
                prompts, batch, maxNewTokens, Runtime.getRuntime().maxMemory() >> 20, load, Runtime.getRuntime().availableProcessors());
        try (CausalLM m = Models.load(demo.main(), "cpu", "float32");
             CausalLM a = Models.load(demo.draft(), "cpu", "float32");
             TextTokenizer tok = TextTokenizer.load(demo.main())) {
            ExecutorModels.Loaded lm = new ExecutorModels.Loaded(m, main.fingerprint(), tok, demo.main());
            ExecutorModels.Loaded la = new ExecutorModels.Loaded(a, assistant.fingerprint(), null, demo.draft());
            new PromptDecoder(opts, run, lm, la).decode(workload.subList(0, 2 * batch), b -> { }); // warm-up

            Peak whole = new Peak();
            long t0 = System.nanoTime();
            List<Row> rows = new PromptDecoder(opts, run, lm, la).decode(workload, whole);
            whole.sample();
            double wholeSecs = (System.nanoTime() - t0) / 1e9;
            int wholeRows = rows.size();
            rows = null;

            Peak lazy = new Peak();
            t0 = System.nanoTime();
            Iterator<Row> it = new PromptDecoder(opts, run, lm, la).decodeLazily(workload.iterator(), lazy);
            int lazyRows = 0;
            while (it.hasNext()) {
                it.next(); // Spark's Parquet writer takes each row and lets it go
                lazyRows++;
            }
            lazy.sample();
            double lazySecs = (System.nanoTime() - t0) / 1e9;

            System.out.printf(Locale.ROOT, "whole partition in a list (before): peak retained +%.1f MB, %d rows, %.1f s%n",
                    whole.peakMb(), wholeRows, wholeSecs);
            System.out.printf(Locale.ROOT, "lazy iterator, batch by batch (now): peak retained +%.1f MB, %d rows, %.1f s%n",
                    lazy.peakMb(), lazyRows, lazySecs);
            System.out.printf(Locale.ROOT, "lazy / whole = %.3f of the retained heap%n", lazy.peakMb() / whole.peakMb());
        }
    }

    /** Retained heap above the level at construction, sampled after a full GC every 8 batches. */
    private static final class Peak implements Consumer<List<org.specfair.decode.Generation>> {
        private final long base;
        private long peak;
        private int batches;

        Peak() {
            base = retained();
        }

        @Override
        public void accept(List<org.specfair.decode.Generation> batch) {
            if (++batches % 8 == 0) {
                sample();
            }
        }

        void sample() {
            peak = Math.max(peak, retained() - base);
        }

        double peakMb() {
            return peak / 1048576.0;
        }

        private static long retained() {
            System.gc();
            return MEMORY.getHeapMemoryUsage().getUsed();
        }
    }
}
