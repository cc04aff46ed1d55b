package org.specfair.aggregate;

import org.specfair.tables.TableStore;
import org.specfair.tables.Tables;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

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
        try {
            return run(spark, root, experiment, in);
        } finally {
            in.release();
        }
    }

    private static Summary run(SparkSession spark, String root, String experiment, AggregateInputs in) {
        long start = System.nanoTime();
        List<String> experiments = in.generations().select("experiment").distinct().orderBy("experiment")
                .collectAsList().stream().map(r -> r.getString(0)).toList();
        if (experiments.isEmpty()) {
            throw new IllegalArgumentException(TableStore.path(root, Tables.GENERATIONS) + ": no rows"
                    + (experiment == null ? "" : " for experiment " + experiment));
        }
        List<StagePair> pairs = StagePair.of(in);
        spark.sparkContext().setJobDescription("specfair aggregate " + experiments);
        Dataset<Row> metrics = GroupMetrics.compute(spark, in);
        LOG.info("group_metrics computed at {} s", seconds(start));
        Dataset<Row> transitions = Transitions.compute(spark, in, pairs);
        LOG.info("transitions computed at {} s", seconds(start));
        Dataset<Row> distributions = Distributions.compute(spark, in, pairs);
        LOG.info("distributions computed at {} s", seconds(start));
        Dataset<Row> significance = Significance.compute(spark, in, pairs, metrics);
        LOG.info("significance computed at {} s", seconds(start));
        Map<String, Dataset<Row>> outputs = new java.util.LinkedHashMap<>();
        outputs.put(Tables.GROUP_METRICS, metrics);
        outputs.put(Tables.TRANSITIONS, transitions);
        outputs.put(Tables.DISTRIBUTIONS, distributions);
        outputs.put(Tables.SIGNIFICANCE, significance);
        long[] counts = new long[outputs.size()];
        int i = 0;
        for (Map.Entry<String, Dataset<Row>> e : outputs.entrySet()) {
            counts[i++] = write(spark, e.getValue(), root, e.getKey(), experiments);
        }
        Summary s = new Summary(experiments, counts[0], counts[1], counts[2], counts[3]);
        LOG.info("aggregated {} under {}: {} group_metrics, {} transitions, {} distributions, {} significance rows",
                experiments, root, s.groupMetricRows(), s.transitionRows(), s.distributionRows(), s.significanceRows());
        return s;
    }

    private static String seconds(long start) {
        return String.format(java.util.Locale.ROOT, "%.1f", (System.nanoTime() - start) / 1e9);
    }

    /** Partition-overwrites the experiments that have rows; removes the partitions of those that now have none. */
    private static long write(SparkSession spark, Dataset<Row> rows, String root, String table, List<String> experiments) {
        Dataset<Row> cached = rows.cache();
        try {
            Set<String> present = new HashSet<>();
            cached.select("experiment").distinct().collectAsList().forEach(r -> present.add(r.getString(0)));
            for (String e : experiments) {
                if (!present.contains(e)) {
                    TableStore.deletePartition(spark, root, table, Map.of("experiment", e));
                }
            }
            long n = cached.count();
            if (n > 0) {
                TableStore.overwritePartitions(cached.filter(col("experiment").isNotNull()), root, table, Tables.AGGREGATE_PARTITION_COLUMNS);
            }
            return n;
        } finally {
            cached.unpersist();
        }
    }
}
