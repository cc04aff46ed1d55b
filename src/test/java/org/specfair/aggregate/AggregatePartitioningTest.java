package org.specfair.aggregate;

import org.specfair.demo.SyntheticTables;
import org.specfair.spark.JobCounter;
import org.specfair.tables.TableStore;
import org.specfair.tables.Tables;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The aggregation's two promises beyond its numbers: the same rows whatever Spark's partitioning, and a number of
 * Spark jobs that does not grow with the number of stages and groups (the cost that made it slow).
 */
@Tag("slow")
class AggregatePartitioningTest {
    /** Every input table and its partition columns. */
    private static final Map<String, List<String>> INPUTS = Map.of(
            Tables.GENERATIONS, Tables.PARTITION_COLUMNS, Tables.TOKENS, Tables.PARTITION_COLUMNS, Tables.DRAFTS, Tables.PARTITION_COLUMNS,
            Tables.JUDGMENTS, Tables.JUDGE_PARTITION_COLUMNS, Tables.CHECKPOINTS, List.of("experiment"));
    private static final List<String> OUTPUTS = List.of(Tables.GROUP_METRICS, Tables.TRANSITIONS, Tables.DISTRIBUTIONS, Tables.SIGNIFICANCE);

    static SparkSession spark;
    static String source;

    @BeforeAll
    static void start(@TempDir Path dir) {
        spark = SparkSession.builder().master("local[2]").appName("AggregatePartitioningTest")
                .config("spark.ui.enabled", "false")
                .config("spark.sql.sources.partitionColumnTypeInference.enabled", "false")
                .getOrCreate();
        source = dir.resolve("source").toString();
        SyntheticTables.write(spark, source, new SyntheticTables.Size(8, 2, 12), true);
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    @Test
    void sameRowsInOneOrSevenPartitions(@TempDir Path dir) {
        String one = copy(dir.resolve("one").toString(), 1, SyntheticTables.STAGES, SyntheticTables.GROUPS);
        String seven = copy(dir.resolve("seven").toString(), 7, SyntheticTables.STAGES, SyntheticTables.GROUPS);
        aggregate(one, "1", "128m");
        aggregate(seven, "7", "2k");  // small input splits: many partitions on read too
        for (String table : OUTPUTS) {
            List<Row> a = sorted(TableStore.read(spark, one, table));
            List<Row> b = sorted(TableStore.read(spark, seven, table));
            assertTrue(a.size() > 0, table);
            assertEquals(a.size(), b.size(), table);
            for (int i = 0; i < a.size(); i++) {
                assertEquals(a.get(i), b.get(i), table + " row " + i);
            }
        }
    }

    @Test
    void sparkJobsDoNotGrowWithStagesOrGroups(@TempDir Path dir) {
        String full = copy(dir.resolve("full").toString(), 2, SyntheticTables.STAGES, SyntheticTables.GROUPS);
        String small = copy(dir.resolve("small").toString(), 2, List.of("base", "main-sst2"), List.of("female", "male"));
        // Adaptive execution runs each shuffle as a job of its own and picks join strategies from the data's size;
        // off here, the count is the plan's alone.
        spark.conf().set("spark.sql.adaptive.enabled", "false");
        int fullJobs;
        int smallJobs;
        try {
            fullJobs = aggregate(full, "4", "128m");
            smallJobs = aggregate(small, "4", "128m");
        } finally {
            spark.conf().unset("spark.sql.adaptive.enabled");
        }
        Dataset<Row> fullMetrics = TableStore.read(spark, full, Tables.GROUP_METRICS);
        Dataset<Row> smallMetrics = TableStore.read(spark, small, Tables.GROUP_METRICS);
        assertEquals(List.of(3L, 4L), List.of(fullMetrics.select("stage").distinct().count(), fullMetrics.select("category").distinct().count()));
        assertEquals(List.of(2L, 2L), List.of(smallMetrics.select("stage").distinct().count(), smallMetrics.select("category").distinct().count()));
        assertEquals(smallJobs, fullJobs, "3 stages x 4 groups took " + fullJobs + " Spark jobs, 2 stages x 2 groups " + smallJobs);
    }

    /** Runs the aggregation with the given shuffle partitions and input split size; returns the Spark jobs it started. */
    private static int aggregate(String root, String shufflePartitions, String maxSplit) {
        spark.conf().set("spark.sql.shuffle.partitions", shufflePartitions);
        spark.conf().set("spark.sql.files.maxPartitionBytes", maxSplit);
        spark.conf().set("spark.sql.files.openCostInBytes", maxSplit.equals("2k") ? "1" : "4m");
        try (JobCounter jobs = JobCounter.start(spark)) {
            AggregateJob.run(spark, root, null);
            return jobs.jobs();
        } finally {
            spark.conf().unset("spark.sql.files.maxPartitionBytes");
            spark.conf().unset("spark.sql.files.openCostInBytes");
        }
    }

    /** The synthetic input tables rewritten under root as {@code files} files per partition, only the given stages and groups. */
    private static String copy(String root, int files, List<String> stages, List<String> groups) {
        INPUTS.forEach((table, partitions) -> {
            Dataset<Row> rows = TableStore.read(spark, source, table).filter(col("stage").isin(stages.toArray()));
            if (table.equals(Tables.GENERATIONS)) {  // the other tables' rows of a dropped group then join no sample
                rows = rows.filter(col("category").isin(groups.toArray()));
            }
            TableStore.overwritePartitions(rows.repartition(files), root, table, partitions);
        });
        return root;
    }

    private static List<Row> sorted(Dataset<Row> table) {
        Column[] all = Arrays.stream(table.columns()).map(org.apache.spark.sql.functions::col).toArray(Column[]::new);
        return table.orderBy(all).collectAsList();
    }
}
