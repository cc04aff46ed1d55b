package org.specfair.bench;

import org.specfair.checkpoint.ResolvedCheckpoint;
import org.specfair.decode.DecodeConfig;
import org.specfair.demo.DemoModels;
import org.specfair.generate.GenerateJob;
import org.specfair.generate.GenerateOptions;
import org.specfair.generate.PromptDecoder;
import org.specfair.generate.RunInfo;
import org.specfair.lm.CausalLM;
import org.specfair.lm.Models;
import org.specfair.prompts.Prompt;
import org.specfair.prompts.PromptColumns;
import org.specfair.prompts.PromptSource;
import org.specfair.spark.ExecutorModels;
import org.specfair.spark.Sessions;
import org.specfair.tables.Tables;
import org.specfair.tokenizer.TextTokenizer;

import ai.djl.pytorch.jni.JniUtils;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;

/**
 * {@code jobs/bench generate [--quick] [--repeat N] [--batch-size B] [--max-new-tokens T] [--main DIR --assistant DIR]
 * [--device cpu|gpu:N --dtype float32|float16] [--cores C]}:
 * what running the decoding as a Spark job costs. The same prompts are decoded with the same models,
 * batch size and decoding config:
 * <ol>
 *   <li>in this JVM without Spark: {@link PromptDecoder} (the code a task runs: tokenize, batched speculative
 *       decoding, scoring, result rows) on one thread with PyTorch using all C cores: the baseline;</li>
 *   <li>the same, split over C Java threads with one PyTorch thread each: Spark's parallelism without Spark;</li>
 *   <li>{@link GenerateJob} in local[C] with one PyTorch thread per task, as {@code jobs/generate} runs it,
 *       staging and the three table writes included.</li>
 * </ol>
 * Session start, model loads and one small warm-up run of each path are excluded; the job's per-run costs
 * (fingerprints, staging, table writes) are not, so the workload is sized to amortise them: the 200 sample
 * prompts x N (default 12, --quick 1), copies with their own ids, with the demo models (made in a temporary
 * folder unless --main/--assistant are given): 30-60 s per path on 2 idle cores. The job's fixed cost after
 * decoding (error count and three table writes, about 2.5 s on 2 cores) is then under a tenth of its time.
 *
 * <p>PyTorch's multi-threaded pool (the baseline) slows down when other processes compete for the cores
 * (badly with spinning OpenMP waits; jobs/lib/build.sh makes them passive): the wait policy and the load
 * average at the start are printed and recorded so such runs can be told apart.
 *
 * <p>Prints prompts/s of each and the ratio job / baseline (target >= {@value #TARGET}), plus job / threads
 * (what Spark itself costs), then one line of JSON.
 */
public final class GenerateBench {
    static final double TARGET = 0.85;

    public static void main(String[] args) throws IOException {
        boolean quick = false;
        int repeat = -1;
        int batch = 8;
        int maxNewTokens = 20;
        String main = null;
        String assistant = null;
        String device = "cpu";
        String dtype = "float32";
        int cores = Runtime.getRuntime().availableProcessors();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> quick = true;
                case "--repeat" -> repeat = Integer.parseInt(value(args, ++i));
                case "--batch-size" -> batch = Integer.parseInt(value(args, ++i));
                case "--max-new-tokens" -> maxNewTokens = Integer.parseInt(value(args, ++i));
                case "--main" -> main = value(args, ++i);
                case "--assistant" -> assistant = value(args, ++i);
                case "--device" -> device = value(args, ++i);
                case "--dtype" -> dtype = value(args, ++i);
                case "--cores" -> cores = Integer.parseInt(value(args, ++i)); // on one GPU: 1 (one task, one device)
                default -> usage();
            }
        }
        if ((main == null) != (assistant == null)) {
            usage();
        }
        repeat = repeat > 0 ? repeat : quick ? 1 : 12;
        // In-process: one PyTorch pool over all cores. Must be set before DJL's engine starts.
        System.setProperty("ai.djl.pytorch.num_threads", String.valueOf(cores));
        System.setProperty("ai.djl.pytorch.num_interop_threads", "1");

        Path tmp = Files.createTempDirectory("specfair-generate-bench");
        try {
            Path prompts = Path.of("data/sample_prompts.tsv");
            if (main == null) {
                DemoModels.Written demo = DemoModels.write(tmp.resolve("models"), prompts);
                main = demo.main().toString();
                assistant = demo.draft().toString();
            }
            List<Prompt> sample = PromptSource.load(List.of(prompts), "tsv", PromptColumns.SAMPLE, null, null);
            List<Prompt> workload = repeated(sample, repeat);
            DecodeConfig decode = DecodeConfig.greedy(maxNewTokens);
            System.out.printf(Locale.ROOT, "generate bench: %d prompts (sample x %d), %d new tokens, greedy speculative, batch %d, %d cores%n",
                    workload.size(), repeat, maxNewTokens, batch, cores);
            System.out.printf(Locale.ROOT, "  main %s, assistant %s%n", main, assistant);
            double load = java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
            String waitPolicy = System.getenv().getOrDefault("OMP_WAIT_POLICY", "unset (active)");
            System.out.printf(Locale.ROOT, "  OMP_WAIT_POLICY %s, load average at start %.2f on %d cores%s%n", waitPolicy, load, cores,
                    load >= cores ? " (other processes are busy: expect noisy numbers, a pessimistic baseline)" : "");
            new GenerateBench(main, assistant, device, dtype, decode, batch, cores, tmp, load, waitPolicy).run(sample, workload);
        } finally {
            deleteTree(tmp);
        }
    }

    private final String main;
    private final String assistant;
    private final String device;
    private final String dtype;
    private final DecodeConfig decode;
    private final int batch;
    private final int cores;
    private final Path tmp;
    private final double loadAverage;
    private final String waitPolicy;

    private GenerateBench(String main, String assistant, String device, String dtype, DecodeConfig decode, int batch, int cores,
                          Path tmp, double loadAverage, String waitPolicy) {
        this.main = main;
        this.assistant = assistant;
        this.device = device;
        this.dtype = dtype;
        this.decode = decode;
        this.batch = batch;
        this.cores = cores;
        this.tmp = tmp;
        this.loadAverage = loadAverage;
        this.waitPolicy = waitPolicy;
    }

    private GenerateOptions options(String out) {
        return new GenerateOptions(main, assistant, device, dtype, decode, 1, "bench", "base", out, 0, batch,
                true, false, Set.of());
    }

    private void run(List<Prompt> sample, List<Prompt> workload) {
        List<Prompt> warmup = sample.subList(0, Math.min(4 * batch, sample.size()));

        // 1. In-process: the task's code path (tokenize, batched speculative decoding, scoring, result rows), no Spark.
        // 1b. The same split over `cores` Java threads with one PyTorch thread each: Spark's parallelism without Spark.
        double inProcess;
        double threaded;
        long inProcessTokens;
        int tasks = cores;
        int perTask = Math.max(1, cores / tasks); // what Sessions sizes for jobs/generate in local mode
        try (CausalLM m = Models.load(Path.of(main), device, dtype);
             CausalLM a = Models.load(Path.of(assistant), device, dtype);
             TextTokenizer tok = TextTokenizer.load(Path.of(main))) {
            ResolvedCheckpoint mainCkpt = ResolvedCheckpoint.resolve(main, new org.apache.hadoop.conf.Configuration());
            ResolvedCheckpoint assistantCkpt = ResolvedCheckpoint.resolve(assistant, new org.apache.hadoop.conf.Configuration());
            String mainFp = mainCkpt.fingerprint();
            String assistantFp = assistantCkpt.fingerprint();
            GenerateOptions opts = options(tmp.resolve("unused").toString());
            RunInfo run = RunInfo.of(opts, mainCkpt, assistantCkpt);
            ExecutorModels.Loaded lm = new ExecutorModels.Loaded(m, mainFp, tok, Path.of(main));
            ExecutorModels.Loaded la = new ExecutorModels.Loaded(a, assistantFp, null, Path.of(assistant));
            new PromptDecoder(opts, run, lm, la).decode(warmup, b -> { });
            long t0 = System.nanoTime();
            List<Row> rows = new PromptDecoder(opts, run, lm, la).decode(workload, b -> { });
            double secs = (System.nanoTime() - t0) / 1e9;
            inProcess = workload.size() / secs;
            int newTokens = Tables.GENERATION.fieldIndex("new_tokens");
            inProcessTokens = rows.stream().mapToLong(r -> r.getStruct(0).getInt(newTokens)).sum();
            System.out.printf(Locale.ROOT, "in-process, 1 thread x %d PyTorch threads          %7.2f prompts/s  %8.1f tokens/s  (%.1f s)%n",
                    cores, inProcess, inProcessTokens / secs, secs);

            JniUtils.setNumThreads(perTask); // threads started from now on take this when they first use PyTorch
            secs = timeThreads(tasks, workload, part -> new PromptDecoder(opts, run, lm, la).decode(part, b -> { }));
            threaded = workload.size() / secs;
            System.out.printf(Locale.ROOT, "in-process, %d threads x %d PyTorch thread           %7.2f prompts/s  %8.1f tokens/s  (%.1f s)%n",
                    tasks, perTask, threaded, inProcessTokens / secs, secs);
        }

        // 2. The job in local[cores]: as jobs/generate runs it, one PyTorch thread per task.
        SparkSession spark = Sessions.create("specfair generate bench", "local[" + cores + "]", false);
        double job;
        long jobTokens;
        try {
            spark.sparkContext().setLogLevel("WARN");
            GenerateJob.run(spark, options(tmp.resolve("warmup").toString()), warmup);
            String out = tmp.resolve("out").toString();
            long t0 = System.nanoTime();
            GenerateJob.Summary s = GenerateJob.run(spark, options(out), workload);
            double secs = (System.nanoTime() - t0) / 1e9;
            if (s.promptsDecoded() != workload.size() || s.errorRows() != 0) {
                throw new IllegalStateException("the job decoded " + s.promptsDecoded() + " prompts with " + s.errorRows()
                        + " errors; expected " + workload.size() + " without errors");
            }
            job = workload.size() / secs;
            jobTokens = spark.read().parquet(out + "/generations").selectExpr("sum(new_tokens)").first().getLong(0);
            System.out.printf(Locale.ROOT, "GenerateJob, local[%d] x %d PyTorch thread           %7.2f prompts/s  %8.1f tokens/s  (%.1f s, writes included)%n",
                    tasks, perTask, job, jobTokens / secs, secs);
        } finally {
            spark.stop();
        }
        double ratio = job / inProcess;
        System.out.printf(Locale.ROOT, "job / in-process = %.3f (target >= %.2f: %s); job / in-process threads = %.3f (Spark's own cost);"
                        + " same tokens generated: %s%n",
                ratio, TARGET, ratio >= TARGET ? "met" : "NOT met", job / threaded, inProcessTokens == jobTokens ? "yes" : "NO");
        System.out.printf(Locale.ROOT, "{\"bench\":\"generate\",\"prompts\":%d,\"max_new_tokens\":%d,\"batch_size\":%d,\"cores\":%d,"
                        + "\"in_process_prompts_per_s\":%.3f,\"in_process_threads_prompts_per_s\":%.3f,\"job_prompts_per_s\":%.3f,"
                        + "\"ratio\":%.4f,\"ratio_to_threads\":%.4f,\"target\":%.2f,\"met\":%b,\"tokens_in_process\":%d,\"tokens_job\":%d,\"load_average\":%.2f,\"omp_wait_policy\":\"%s\"}%n",
                workload.size(), decode.maxNewTokens(), batch, cores, inProcess, threaded, job, ratio, job / threaded, TARGET,
                ratio >= TARGET, inProcessTokens, jobTokens, loadAverage, waitPolicy);
    }

    /** Seconds to run {@code work} on {@code threads} round-robin parts of {@code prompts}, one Java thread each. */
    static double timeThreads(int threads, List<Prompt> prompts, java.util.function.Consumer<List<Prompt>> work) {
        List<List<Prompt>> parts = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            parts.add(new ArrayList<>());
        }
        for (int i = 0; i < prompts.size(); i++) {
            parts.get(i % threads).add(prompts.get(i));
        }
        // Warm each thread's PyTorch setup on a few prompts first, as the job's warm-up run does for its task threads.
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
        try {
            List<java.util.concurrent.Callable<Object>> warm = new ArrayList<>();
            List<java.util.concurrent.Callable<Object>> timed = new ArrayList<>();
            for (List<Prompt> part : parts) {
                warm.add(() -> {
                    work.accept(part.subList(0, Math.min(8, part.size())));
                    return null;
                });
                timed.add(() -> {
                    work.accept(part);
                    return null;
                });
            }
            for (var f : pool.invokeAll(warm)) {
                f.get();
            }
            long t0 = System.nanoTime();
            for (var f : pool.invokeAll(timed)) {
                f.get();
            }
            return (System.nanoTime() - t0) / 1e9;
        } catch (InterruptedException | java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("in-process threads failed: " + e.getMessage(), e);
        } finally {
            pool.shutdown();
        }
    }

    /** The sample prompts {@code n} times; copies get their own ids (same text, so the same work per copy). */
    static List<Prompt> repeated(List<Prompt> sample, int n) {
        List<Prompt> out = new ArrayList<>(sample.size() * n);
        for (int r = 0; r < n; r++) {
            for (Prompt p : sample) {
                out.add(r == 0 ? p : new Prompt(p.promptId() + "-r" + r, p.group(), p.identity(), p.template(), p.text(),
                        p.source(), p.sourceRow(), p.error()));
            }
        }
        return out;
    }

    private static String value(String[] args, int i) {
        if (i >= args.length) {
            usage();
        }
        return args[i];
    }

    private static void usage() {
        System.err.println("usage: jobs/bench generate [--quick] [--repeat N] [--batch-size B] [--max-new-tokens T]"
                + " [--main DIR --assistant DIR] [--device cpu|gpu:N --dtype float32|float16] [--cores C]");
        System.exit(2);
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
