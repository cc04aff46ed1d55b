package org.specfair.generate;

import org.specfair.checkpoint.Checkpoint;
import org.specfair.checkpoint.PairCheck;
import org.specfair.prompts.Prompt;
import org.specfair.spark.ExecutorModels;
import org.specfair.tables.Tables;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.catalyst.catalog.ExternalCatalogUtils;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.LongAccumulator;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashSet;
import java.util.List;
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
 * (same config, same checkpoints) are kept and not decoded again.
 */
public final class GenerateJob {
    private static final Logger LOG = LogManager.getLogger(GenerateJob.class);

    /** What a run did (also printed by the CLI). */
    public record Summary(String runId, long promptsDecoded, long promptsKept, long errorRows, long modelLoads) {}

    private GenerateJob() {}

    /** spark-submit entry point ({@code --class org.specfair.generate.GenerateJob}): arguments as for {@code jobs/generate}. */
    public static void main(String[] args) {
        String[] full = new String[args.length + 1];
        full[0] = "generate-job";
        System.arraycopy(args, 0, full, 1, args.length);
        System.exit(org.specfair.cli.SpecFair.run(full));
    }

    public static Summary run(SparkSession spark, GenerateOptions opts, List<Prompt> prompts) {
        if (opts.assistantModel() != null) {
            PairCheck.requireSameVocabulary(ExecutorModels.localCopy(opts.mainModel(), hadoop(spark)),
                    ExecutorModels.localCopy(opts.assistantModel(), hadoop(spark)));
        }
        String mainFp = Checkpoint.open(ExecutorModels.localCopy(opts.mainModel(), hadoop(spark))).fingerprint();
        String assistantFp = opts.assistantModel() == null ? null
                : Checkpoint.open(ExecutorModels.localCopy(opts.assistantModel(), hadoop(spark))).fingerprint();
        RunInfo run = RunInfo.of(opts.decode(), opts.numSamples(), opts.score(), mainFp, assistantFp);
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
        int partitions = opts.partitions() > 0 ? opts.partitions() : jsc.defaultParallelism();
        partitions = Math.max(1, Math.min(partitions, todo.size()));
        spark.sparkContext().setJobDescription("specfair generate " + opts.experiment() + "/" + opts.stage()
                + ": " + todo.size() + " prompts on " + partitions + " tasks");

        JavaRDD<Row> results = jsc.parallelize(GroupInterleaver.interleave(todo), partitions)
                .mapPartitions(new PartitionTask(opts, run, loads, decoded, hadoop(spark)));
        String staging = root + "/_staging/" + run.runId() + "-" + UUID.randomUUID();
        try {
            spark.createDataFrame(results, Tables.RESULT).write().parquet(staging + "/new");
            Dataset<Row> fresh = spark.read().schema(Tables.RESULT).parquet(staging + "/new");
            long errors = fresh.filter(col("generation.error").isNotNull()).count();
            if (kept > 0) {
                // Copy the rows we keep out of the live tables first: a table cannot be read and overwritten at once.
                for (String table : List.of(Tables.GENERATIONS, Tables.DRAFTS, Tables.TOKENS)) {
                    ownPartition(spark.read().parquet(root + "/" + table), opts)
                            .filter(col("run_id").equalTo(run.runId()).and(col("prompt_id").isin(done.toArray())))
                            .write().parquet(staging + "/kept-" + table);
                }
            }
            write(spark, fresh.select("generation.*"), staging, Tables.GENERATIONS, root, kept > 0, opts);
            write(spark, fresh.select(explode(col("drafts")).as("d")).select("d.*"), staging, Tables.DRAFTS, root, kept > 0, opts);
            write(spark, fresh.select(explode(col("tokens")).as("t")).select("t.*"), staging, Tables.TOKENS, root, kept > 0, opts);
            Summary s = new Summary(run.runId(), todo.size(), kept, errors, loads.value());
            LOG.info("run {}: {} prompts decoded ({} error rows), {} kept, {} model loads -> {}", s.runId(),
                    s.promptsDecoded(), s.errorRows(), s.promptsKept(), s.modelLoads(), root);
            return s;
        } finally {
            delete(spark, staging);
        }
    }

    /** Replaces this run's (experiment, stage) partition of one table with fresh (+ kept) rows. */
    private static void write(SparkSession spark, Dataset<Row> fresh, String staging, String table, String root,
                              boolean withKept, GenerateOptions opts) {
        Dataset<Row> rows = withKept ? fresh.unionByName(spark.read().parquet(staging + "/kept-" + table)) : fresh;
        if (rows.isEmpty()) {
            // Dynamic overwrite only replaces partitions it writes to: clear ours explicitly (e.g. no drafts in main-only mode).
            delete(spark, root + "/" + table + "/" + ExternalCatalogUtils.getPartitionPathString("experiment", opts.experiment())
                    + "/" + ExternalCatalogUtils.getPartitionPathString("stage", opts.stage()));
            return;
        }
        rows.write()
                .mode(SaveMode.Overwrite)
                .option("partitionOverwriteMode", "dynamic")
                .partitionBy(Tables.PARTITION_COLUMNS.toArray(new String[0]))
                .parquet(root + "/" + table);
    }

    /** Prompt ids whose every sample is already written without error under this run id. */
    static Set<String> finishedPrompts(SparkSession spark, String root, GenerateOptions opts, RunInfo run) {
        String path = root + "/" + Tables.GENERATIONS;
        if (!exists(spark, path)) {
            return Set.of();
        }
        Dataset<Row> existing = ownPartition(spark.read().parquet(path), opts)
                .filter(col("run_id").equalTo(run.runId()));
        Set<String> failed = new HashSet<>(existing.filter(col("error").isNotNull()).select("prompt_id").as(
                org.apache.spark.sql.Encoders.STRING()).collectAsList());
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

    static Configuration hadoop(SparkSession spark) {
        return spark.sparkContext().hadoopConfiguration();
    }

    private static boolean exists(SparkSession spark, String path) {
        try {
            org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(path);
            return p.getFileSystem(hadoop(spark)).exists(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void delete(SparkSession spark, String path) {
        try {
            org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(path);
            FileSystem fs = p.getFileSystem(hadoop(spark));
            fs.delete(p, true);
        } catch (IOException e) {
            LOG.warn("could not delete staging folder {}: {}", path, e.getMessage());
        }
    }
}
