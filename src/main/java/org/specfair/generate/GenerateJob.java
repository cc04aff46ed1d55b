package org.specfair.generate;

import org.specfair.checkpoint.PairCheck;
import org.specfair.checkpoint.ResolvedCheckpoint;
import org.specfair.prompts.Prompt;
import org.specfair.tables.TableStore;
import org.specfair.tables.Tables;

import org.apache.hadoop.conf.Configuration;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.LongAccumulator;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.lit;

/**
 * The generation job: prompts -> Spark tasks (groups spread evenly) -> speculative decoding on each
 * executor -> the generations, drafts and tokens tables under {@code outRoot}.
 *
 * <p>Writes are safe to repeat: every prompt is decoded once into a staging folder; the three tables
 * are then rewritten for exactly this run's (experiment, stage) partition with dynamic partition
 * overwrite, so a rerun replaces and never duplicates, and a failure before the final writes leaves
 * the previous data untouched. In incremental mode prompts already written with the same run id
 * (same config, same checkpoints) are kept and not decoded again. A crash between the three table
 * writes leaves an in-progress marker, and the next incremental run trusts nothing in that partition.
 */
public final class GenerateJob {
    private static final Logger LOG = LogManager.getLogger(GenerateJob.class);
    /** Tables in write order: generations last, since incremental reruns decide what is done from it. */
    static final List<String> WRITE_ORDER = List.of(Tables.DRAFTS, Tables.TOKENS, Tables.GENERATIONS);
    /** Test hook: runs after each table write with the table's name (a throw simulates a crash there). */
    static java.util.function.Consumer<String> afterTableWrite = table -> { };

    /** What a run did (also printed by the CLI). */
    public record Summary(String runId, long promptsDecoded, long promptsKept, long errorRows, long modelLoads) {}

    private GenerateJob() {}

    /** spark-submit entry point ({@code --class org.specfair.generate.GenerateJob}): arguments as for {@code jobs/generate}. */
    public static void main(String[] args) {
        org.specfair.cli.SpecFair.exitWith("generate-job", args);
    }

    public static Summary run(SparkSession spark, GenerateOptions opts, List<Prompt> prompts) {
        Configuration hadoop = TableStore.hadoop(spark);
        ResolvedCheckpoint main = ResolvedCheckpoint.resolve(opts.mainModel(), hadoop);
        ResolvedCheckpoint assistant = opts.assistantModel() == null ? null
                : ResolvedCheckpoint.resolve(opts.assistantModel(), hadoop);
        if (assistant != null) {
            PairCheck.requireSameVocabulary(main.localDir(), assistant.localDir());
        }
        RunInfo run = RunInfo.of(opts, main, assistant);
        String root = opts.outRoot().replaceAll("/+$", "");

        Set<String> done = opts.incremental() ? finishedPrompts(spark, root, opts, run) : Set.of();
        List<Prompt> todo = prompts.stream().filter(p -> !done.contains(p.promptId())).toList();
        long kept = prompts.size() - todo.size();
        if (todo.isEmpty()) {
            LOG.info("run {}: all {} prompts already written for experiment={} stage={}; nothing to do",
                    run.runId(), prompts.size(), opts.experiment(), opts.stage());
            return new Summary(run.runId(), 0, kept, 0, 0);
        }

        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        LongAccumulator loads = spark.sparkContext().longAccumulator("model loads");
        LongAccumulator decoded = spark.sparkContext().longAccumulator("prompts decoded");
        TaskCount tasks = TaskCount.of(spark, opts, todo.size());
        LOG.info("run {}: {} prompts to decode ({} kept) on {}", run.runId(), todo.size(), kept, tasks.reason());
        spark.sparkContext().setJobDescription("specfair generate " + opts.experiment() + "/" + opts.stage()
                + ": " + todo.size() + " prompts on " + tasks.tasks() + " tasks");

        JavaRDD<Row> results = jsc.parallelize(GroupInterleaver.interleave(todo), tasks.tasks())
                .mapPartitions(new PartitionTask(opts, run, main, assistant, loads, decoded, hadoop));
        String staging = root + "/_staging/" + run.runId() + "-" + UUID.randomUUID();
        try {
            spark.createDataFrame(results, Tables.RESULT).write().parquet(staging + "/new");
            Dataset<Row> fresh = spark.read().schema(Tables.RESULT).parquet(staging + "/new");
            long errors = fresh.filter(col("generation.error").isNotNull()).count();
            Map<String, Dataset<Row>> rows = new LinkedHashMap<>();
            rows.put(Tables.GENERATIONS, fresh.select("generation.*"));
            rows.put(Tables.DRAFTS, fresh.select(explode(col("drafts")).as("d")).select("d.*"));
            rows.put(Tables.TOKENS, fresh.select(explode(col("tokens")).as("t")).select("t.*"));
            if (kept > 0) {
                // Copy the rows we keep out of the live tables first: a table cannot be read and overwritten at once.
                // A table this run's mode never writes (drafts without an assistant, tokens with --no-score) has none.
                for (String table : WRITE_ORDER) {
                    if (TableStore.exists(spark, root, table)) {
                        ownPartition(TableStore.read(spark, root, table), opts)
                                .filter(col("run_id").equalTo(run.runId()).and(col("prompt_id").isin(done.toArray())))
                                .write().parquet(staging + "/kept-" + table);
                        rows.put(table, rows.get(table).unionByName(spark.read().parquet(staging + "/kept-" + table)));
                    }
                }
            }
            String marker = inProgressMarker(root, opts);
            writeMarker(hadoop, marker, run.runId());
            for (String table : WRITE_ORDER) {
                replacePartition(spark, rows.get(table), root, table, opts);
                afterTableWrite.accept(table);
            }
            TableStore.delete(spark, marker);
            Summary s = new Summary(run.runId(), todo.size(), kept, errors, loads.value());
            LOG.info("run {}: {} prompts decoded ({} error rows), {} kept, {} model loads -> {}", s.runId(),
                    s.promptsDecoded(), s.errorRows(), s.promptsKept(), s.modelLoads(), root);
            return s;
        } finally {
            TableStore.delete(spark, staging);
        }
    }

    /** Replaces this run's (experiment, stage) partition of one table with {@code rows}. */
    private static void replacePartition(SparkSession spark, Dataset<Row> rows, String root, String table, GenerateOptions opts) {
        if (rows.isEmpty()) {
            // Dynamic overwrite only replaces partitions it writes to: clear ours explicitly (e.g. no drafts in main-only mode).
            TableStore.deletePartition(spark, root, table, partition(opts));
            return;
        }
        TableStore.overwritePartitions(rows, root, table, Tables.PARTITION_COLUMNS);
    }

    /** Prompt ids whose every sample is already written without error under this run id. */
    static Set<String> finishedPrompts(SparkSession spark, String root, GenerateOptions opts, RunInfo run) {
        if (!TableStore.exists(spark, root, Tables.GENERATIONS)) {
            return Set.of();
        }
        if (TableStore.exists(spark, inProgressMarker(root, opts))) {
            LOG.warn("experiment={} stage={}: an earlier run stopped between its table writes; decoding every prompt again",
                    opts.experiment(), opts.stage());
            return Set.of();
        }
        Dataset<Row> existing = ownPartition(TableStore.read(spark, root, Tables.GENERATIONS), opts)
                .filter(col("run_id").equalTo(run.runId()));
        Set<String> failed = new HashSet<>(existing.filter(col("error").isNotNull()).select("prompt_id")
                .as(Encoders.STRING()).collectAsList());
        Set<String> out = new HashSet<>();
        for (Row r : existing.filter(col("error").isNull()).groupBy("prompt_id").count()
                .filter(col("count").geq(lit(opts.numSamples()))).collectAsList()) {
            if (!failed.contains(r.getString(0))) {
                out.add(r.getString(0));
            }
        }
        return out;
    }

    private static Dataset<Row> ownPartition(Dataset<Row> table, GenerateOptions opts) {
        return table.filter(col("experiment").equalTo(opts.experiment()).and(col("stage").equalTo(opts.stage())));
    }

    private static Map<String, String> partition(GenerateOptions opts) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("experiment", opts.experiment());
        p.put("stage", opts.stage());
        return p;
    }

    /** Present while a run rewrites the (experiment, stage) partitions of the three tables. */
    static String inProgressMarker(String root, GenerateOptions opts) {
        StringBuilder p = new StringBuilder(root).append("/_writing");
        partition(opts).forEach((k, v) -> p.append('/').append(
                org.apache.spark.sql.catalyst.catalog.ExternalCatalogUtils.getPartitionPathString(k, v)));
        return p.toString();
    }

    private static void writeMarker(Configuration hadoop, String path, String runId) {
        try {
            org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(path);
            try (var out = p.getFileSystem(hadoop).create(p, true)) {
                out.write(("run " + runId + " is rewriting this partition's tables\n").getBytes(StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(path + ": cannot write the in-progress marker: " + e.getMessage(), e);
        }
    }
}
