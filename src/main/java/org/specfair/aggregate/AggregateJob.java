package org.specfair.aggregate;

import org.specfair.spark.JobCounter;
import org.specfair.tables.TableStore;
import org.specfair.tables.Tables;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.apache.spark.sql.functions.col;

/**
 * Reads generations (+ tokens, drafts, judgments, checkpoints when present) under a root and writes the
 * aggregate tables {@code group_metrics}, {@code transitions}, {@code distributions}, {@code significance}
 * beside them, partitioned by experiment. Each experiment aggregated is replaced as a whole: a rerun replaces,
 * and an aggregate that has no rows any more (judgments removed) loses its stale partition.
 */
public final class AggregateJob {
    private static final Logger LOG = LogManager.getLogger(AggregateJob.class);

    /** What a run wrote (also printed by the CLI). */
    public record Summary(List<String> experiments, long groupMetricRows, long transitionRows, long distributionRows,
                          long significanceRows) {}

    private AggregateJob() {}

    /** spark-submit entry point ({@code --class org.specfair.aggregate.AggregateJob}): arguments as for {@code jobs/aggregate}. */
    public static void main(String[] args) {
        org.specfair.cli.SpecFair.exitWith("aggregate", args);
    }

    /** @param experiment one experiment, or null for every experiment under the root */
    public static Summary run(SparkSession spark, String root, String experiment) {
        AggregateInputs in = AggregateInputs.read(spark, root, experiment).cached();
        try (JobCounter jobs = JobCounter.start(spark)) {
            return run(spark, root, experiment, in, jobs);
        } finally {
            in.release();
        }
    }

    /**
     * A fixed number of Spark jobs, whatever the number of experiments, stages, groups and judges (about a dozen:
     * see docs/tables.md): each aggregate is a few grouped passes over the cached inputs whose small results are
     * finished on the driver, then one write per table.
     */
    private static Summary run(SparkSession spark, String root, String experiment, AggregateInputs in, JobCounter jobs) {
        long start = System.nanoTime();
        Map<String, TreeSet<String>> stages = new TreeMap<>();
        for (Row r : in.generations().select("experiment", "stage").distinct().collectAsList()) {
            stages.computeIfAbsent(r.getAs("experiment"), e -> new TreeSet<>()).add(r.getAs("stage"));
        }
        List<String> experiments = List.copyOf(stages.keySet());
        if (experiments.isEmpty()) {
            throw new IllegalArgumentException(TableStore.path(root, Tables.GENERATIONS) + ": no rows"
                    + (experiment == null ? "" : " for experiment " + experiment));
        }
        List<StagePair> pairs = StagePair.of(stages, in.checkpoints());
        spark.sparkContext().setJobDescription("specfair aggregate " + experiments);
        List<Row> metrics = GroupMetrics.compute(in);
        LOG.info("group_metrics computed at {} s, {} Spark jobs so far", seconds(start), jobs.jobs());
        // Samples classed by transition, and their tokens on both sides: read by transitions and distributions.
        Dataset<Row> classified = in.judgments().isPresent() && !pairs.isEmpty()
                ? Transitions.classify(spark, in, pairs).persist(StorageLevel.MEMORY_AND_DISK()) : null;
        Dataset<Row> classedTokens = classified == null || in.tokens().isEmpty() ? null
                : Transitions.classedTokens(classified, in.tokens().get()).persist(StorageLevel.MEMORY_AND_DISK());
        Map<String, List<Row>> outputs = new java.util.LinkedHashMap<>();
        try {
            outputs.put(Tables.GROUP_METRICS, metrics);
            outputs.put(Tables.TRANSITIONS, Transitions.compute(classified, classedTokens));
            LOG.info("transitions computed at {} s, {} Spark jobs so far", seconds(start), jobs.jobs());
            outputs.put(Tables.DISTRIBUTIONS, Distributions.compute(in, classified, classedTokens));
            LOG.info("distributions computed at {} s, {} Spark jobs so far", seconds(start), jobs.jobs());
        } finally {
            if (classedTokens != null) {
                classedTokens.unpersist();
            }
            if (classified != null) {
                classified.unpersist();
            }
        }
        outputs.put(Tables.SIGNIFICANCE, Significance.compute(in, pairs, metrics));
        LOG.info("significance computed at {} s, {} Spark jobs so far", seconds(start), jobs.jobs());
        Map<String, StructType> schemas = Map.of(Tables.GROUP_METRICS, Tables.GROUP_METRIC, Tables.TRANSITIONS, Tables.TRANSITION,
                Tables.DISTRIBUTIONS, Tables.DISTRIBUTION, Tables.SIGNIFICANCE, Tables.SIGNIFICANCE_TEST);
        long[] counts = new long[outputs.size()];
        int i = 0;
        for (Map.Entry<String, List<Row>> e : outputs.entrySet()) {
            counts[i++] = write(spark, e.getValue(), schemas.get(e.getKey()), root, e.getKey(), experiments);
        }
        Summary s = new Summary(experiments, counts[0], counts[1], counts[2], counts[3]);
        LOG.info("aggregated {} under {} in {} s and {} Spark jobs: {} group_metrics, {} transitions, {} distributions, {} significance rows",
                experiments, root, seconds(start), jobs.jobs(), s.groupMetricRows(), s.transitionRows(), s.distributionRows(), s.significanceRows());
        return s;
    }

    private static String seconds(long start) {
        return String.format(java.util.Locale.ROOT, "%.1f", (System.nanoTime() - start) / 1e9);
    }

    /**
     * Partition-overwrites the experiments that have rows (one Spark job); removes the partitions of those that now
     * have none. The rows are few and already on the driver.
     */
    private static long write(SparkSession spark, List<Row> rows, StructType schema, String root, String table, List<String> experiments) {
        int experimentField = schema.fieldIndex("experiment");
        Set<String> present = new HashSet<>();
        rows.forEach(r -> present.add(r.getString(experimentField)));
        for (String e : experiments) {
            if (!present.contains(e)) {
                TableStore.deletePartition(spark, root, table, Map.of("experiment", e));
            }
        }
        if (!rows.isEmpty()) {
            TableStore.overwritePartitions(spark.createDataFrame(rows, schema).filter(col("experiment").isNotNull()),
                    root, table, Tables.AGGREGATE_PARTITION_COLUMNS);
        }
        return rows.size();
    }
}
