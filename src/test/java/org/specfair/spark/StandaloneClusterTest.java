package org.specfair.spark;

import org.specfair.cli.SpecFair;
import org.specfair.lm.Golden;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipFile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The generation job under spark-submit on a real Spark standalone cluster, as a user runs it:
 * {@code jobs/cluster up} starts a Master and two Workers on 127.0.0.1 (free ports, a Spark home assembled
 * from the project's Spark artifacts, Spark's own launcher), each Worker offering one fake GPU through a
 * discovery script; {@code SPARK_HOME=... jobs/generate --master spark://...} submits the cluster jar.
 * Executors run in their own JVMs. The rows must equal local mode's, and each executor loads each model once.
 */
@Tag("slow")
class StandaloneClusterTest {
    static final Path ROOT = Path.of("").toAbsolutePath();
    static final int WORKERS = 2;
    @TempDir
    static Path tmp;
    static String master;

    static Process start(List<String> command, Path log, String... env) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(ROOT.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("SPECFAIR_CLUSTER_DIR", tmp.resolve("cluster").toString());
        for (int i = 0; i < env.length; i += 2) {
            pb.environment().put(env[i], env[i + 1]);
        }
        return pb.start();
    }

    static String runToEnd(List<String> command, Path log, long minutes, String... env) throws Exception {
        Process p = start(command, log, env);
        if (!p.waitFor(minutes, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + ": still running after " + minutes + " min; log:\n" + Files.readString(log));
        }
        String out = Files.readString(log);
        assertEquals(0, p.exitValue(), String.join(" ", command) + " failed:\n" + out);
        return out;
    }

    @BeforeAll
    static void up() throws Exception {
        runToEnd(List.of("jobs/cluster", "up", "--workers", String.valueOf(WORKERS), "--cores", "1", "--memory", "1g",
                "--fake-gpus"), tmp.resolve("up.log"), 3);
        master = Files.readString(tmp.resolve("cluster/master.url")).trim();
    }

    @AfterAll
    static void down() throws Exception {
        runToEnd(List.of("jobs/cluster", "down"), tmp.resolve("down.log"), 1);
    }

    /** Prompts as token ids (the golden checkpoints have no tokenizer), four groups. */
    static Path prompts() throws IOException {
        Random rnd = new Random(11);
        StringBuilder csv = new StringBuilder("prompt,category\n");
        String[] groups = {"female", "male", "queer", "nonqueer"};
        for (int i = 0; i < 24; i++) {
            StringBuilder ids = new StringBuilder();
            for (int j = 0, n = 1 + rnd.nextInt(8); j < n; j++) {
                ids.append(j == 0 ? "" : " ").append(rnd.nextInt(63));
            }
            csv.append(ids).append(',').append(groups[i % groups.length]).append('\n');
        }
        Path file = tmp.resolve("prompts.csv");
        Files.writeString(file, csv.toString(), StandardCharsets.UTF_8);
        return file;
    }

    static List<String> jobArgs(Path prompts, Path out) {
        return List.of("--main", Golden.dir("neo-main-tiny").toString(), "--assistant", Golden.dir("neo-draft-tiny").toString(),
                "--prompts", prompts.toString(), "--prompt-format", "csv", "--out", out.toString(),
                "--experiment", "cluster", "--stage", "01", "--max-new-tokens", "8", "--batch-size", "4",
                "--device", "cpu", "--dtype", "float32");
    }

    @Test
    void clusterRowsEqualLocalRowsWithOneModelLoadPerExecutor() throws Exception {
        Path prompts = prompts();
        Path clusterOut = tmp.resolve("cluster-out");
        List<String> submit = new ArrayList<>(List.of("jobs/generate", "--master", master,
                "--executor-cores", "1", "--executor-memory", "1g", "--gpus-per-executor", "1",
                // the CPU libtorch already unpacked for the tests, not a second 445 MB copy
                "--conf", "spark.executorEnv.DJL_CACHE_DIR=" + System.getProperty("user.home") + "/.djl.ai"));
        submit.addAll(jobArgs(prompts, clusterOut));
        long t0 = System.nanoTime();
        String log = runToEnd(submit, tmp.resolve("submit.log"), 6, "SPARK_HOME", ROOT.resolve("target/spark-home").toString());
        double clusterSecs = (System.nanoTime() - t0) / 1e9;

        // The jar that ran lists PyTorch among DJL's engines (a jar without merged services files fails every task).
        try (ZipFile jar = new ZipFile(ROOT.resolve("target/specfair-cluster.jar").toFile())) {
            String services = new String(jar.getInputStream(jar.getEntry("META-INF/services/ai.djl.engine.EngineProvider"))
                    .readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(services.contains("ai.djl.pytorch.engine.PtEngineProvider"), services);
        }
        Matcher m = Pattern.compile("(\\d+) prompts decoded \\((\\d+) error rows\\), \\d+ already written, (\\d+) model loads").matcher(log);
        assertTrue(m.find(), log);
        assertEquals(24, Integer.parseInt(m.group(1)), log);
        assertEquals(0, Integer.parseInt(m.group(2)), log);
        assertEquals(2 * WORKERS, Integer.parseInt(m.group(3)), "main + assistant once per executor JVM\n" + log);
        assertTrue(log.contains("spark.task.cpus=1"), "PyTorch threads follow spark.task.cpus = cores / GPUs\n" + log);

        Path localOut = tmp.resolve("local-out");
        List<String> local = new ArrayList<>(List.of("generate-job", "--master", "local[2]"));
        local.addAll(jobArgs(prompts, localOut));
        t0 = System.nanoTime();
        assertEquals(0, SpecFair.run(local.toArray(new String[0])));
        double localSecs = (System.nanoTime() - t0) / 1e9;
        System.out.printf("StandaloneClusterTest: 24 prompts on %d workers: %.1f s (spark-submit included); local[2]: %.1f s%n",
                WORKERS, clusterSecs, localSecs);

        SparkSession spark = SparkSession.builder().master("local[1]").appName("StandaloneClusterTest")
                .config("spark.ui.enabled", "false").getOrCreate();
        try {
            for (String table : List.of("generations", "drafts", "tokens")) {
                List<Row> a = rows(spark, clusterOut, table);
                List<Row> b = rows(spark, localOut, table);
                assertTrue(a.size() >= 24, table + ": " + a.size() + " rows");
                assertEquals(b, a, table + ": cluster rows differ from local mode");
            }
        } finally {
            spark.stop();
        }
    }

    @Test
    void anApplicationTheClusterCannotHostStopsWithOneClearLine() throws Exception {
        // The GPU profile's defaults (8 cores, 24g per executor) on workers of 1 core and 1g: no executor can start.
        List<String> submit = new ArrayList<>(List.of("jobs/generate", "--master", master,
                "--conf", "spark.scheduler.maxRegisteredResourcesWaitingTime=5s"));
        submit.addAll(jobArgs(prompts(), tmp.resolve("never-written")));
        Path log = tmp.resolve("too-big.log");
        Process p = start(submit, log, "SPARK_HOME", ROOT.resolve("target/spark-home").toString());
        assertTrue(p.waitFor(4, TimeUnit.MINUTES), "still waiting for resources after 4 minutes");
        String out = Files.readString(log);
        assertEquals(2, p.exitValue(), out);
        List<String> errors = out.lines().filter(l -> l.startsWith("specfair generate-job: ")).toList();
        assertEquals(1, errors.size(), out);
        assertTrue(errors.get(0).contains("cannot offer what the application asks") && errors.get(0).contains("8 cores"), errors.get(0));
        assertTrue(!Files.exists(tmp.resolve("never-written/generations")));
    }

    /** A table's rows in a fixed order, without the one column that is not reproducible (wall time). */
    static List<Row> rows(SparkSession spark, Path root, String table) {
        Dataset<Row> df = org.specfair.tables.TableStore.read(spark, root.toString(), table);
        if (List.of(df.columns()).contains("wall_ms")) {
            df = df.drop("wall_ms");
        }
        String[] keys = table.equals("generations") ? new String[] {"prompt_id", "sample_index"}
                : table.equals("drafts") ? new String[] {"prompt_id", "sample_index", "round", "index_in_round"}
                : new String[] {"prompt_id", "sample_index", "position"};
        return df.orderBy(keys[0], java.util.Arrays.copyOfRange(keys, 1, keys.length)).collectAsList();
    }
}
