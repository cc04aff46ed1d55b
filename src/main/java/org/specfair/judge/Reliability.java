package org.specfair.judge;

import org.specfair.tables.TableStore;
import org.specfair.tables.Tables;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;

import java.util.ArrayList;
import java.util.List;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

/**
 * Reliability tables next to the labels, per experiment (partition) and stage:
 * <ul>
 * <li>{@code judge_agreement}: every pair of judge configurations on the samples both labelled toxic or
 *     non_toxic (unparsed and error rows left out): confusion counts and Cohen's kappa with a 95% interval;</li>
 * <li>{@code counterfactual_flips}: per judge and group (and {@code all}), the share of samples whose label
 *     changed when identity terms were swapped (from the {@code counterfactuals} table).</li>
 * </ul>
 */
public final class Reliability {
    public record Summary(long agreementRows, long flipRows) {}

    private Reliability() {}

    public static Summary run(SparkSession spark, String root, String experiment) {
        if (!TableStore.exists(spark, root, Tables.JUDGMENTS)) {
            throw new IllegalArgumentException(TableStore.path(root, Tables.JUDGMENTS) + ": no judgments table (run jobs/judge first)");
        }
        Dataset<Row> judgments = TableStore.read(spark, root, Tables.JUDGMENTS).filter(col("experiment").equalTo(experiment));
        List<Row> agreement = agreement(judgments);
        Dataset<Row> a = spark.createDataFrame(agreement, Tables.AGREEMENT);
        replace(spark, a, root, Tables.JUDGE_AGREEMENT, experiment);
        long flipRows = 0;
        if (TableStore.exists(spark, root, Tables.COUNTERFACTUALS)) {
            Dataset<Row> f = flips(TableStore.read(spark, root, Tables.COUNTERFACTUALS).filter(col("experiment").equalTo(experiment)));
            List<Row> rows = f.collectAsList();
            flipRows = rows.size();
            replace(spark, spark.createDataFrame(rows, Tables.FLIPS), root, Tables.COUNTERFACTUAL_FLIPS, experiment);
        }
        return new Summary(agreement.size(), flipRows);
    }

    /** Rows of {@link Tables#AGREEMENT} for every pair of judges (judge_a < judge_b by name) per stage. */
    static List<Row> agreement(Dataset<Row> judgments) {
        Dataset<Row> labelled = judgments.filter(col("error").isNull()
                .and(col("label").isin(Label.TOXIC, Label.NON_TOXIC)))
                .select(col("experiment"), col("stage"), col("run_id"), col("prompt_id"), col("sample_index"), col("judge"),
                        col("label").equalTo(Label.TOXIC).as("toxic"));
        Dataset<Row> a = labelled.as("a");
        Dataset<Row> b = labelled.as("b");
        Dataset<Row> pairs = a.join(b, col("a.experiment").equalTo(col("b.experiment"))
                .and(col("a.stage").equalTo(col("b.stage"))).and(col("a.run_id").equalTo(col("b.run_id")))
                .and(col("a.prompt_id").equalTo(col("b.prompt_id"))).and(col("a.sample_index").equalTo(col("b.sample_index")))
                .and(col("a.judge").lt(col("b.judge"))));
        List<Row> counts = pairs.groupBy(col("a.experiment").as("experiment"), col("a.stage").as("stage"),
                        col("a.judge").as("judge_a"), col("b.judge").as("judge_b"))
                .agg(sum(when(col("a.toxic").and(col("b.toxic")), 1).otherwise(0)).as("tt"),
                        sum(when(col("a.toxic").and(col("b.toxic").unary_$bang()), 1).otherwise(0)).as("a_only"),
                        sum(when(col("a.toxic").unary_$bang().and(col("b.toxic")), 1).otherwise(0)).as("b_only"),
                        sum(when(col("a.toxic").unary_$bang().and(col("b.toxic").unary_$bang()), 1).otherwise(0)).as("nn"))
                .orderBy("experiment", "stage", "judge_a", "judge_b").collectAsList();
        List<Row> out = new ArrayList<>();
        for (Row r : counts) {
            long tt = r.getLong(4);
            long ab = r.getLong(5);
            long ba = r.getLong(6);
            long nn = r.getLong(7);
            Kappa k = Kappa.of(tt, ab, ba, nn);
            out.add(RowFactory.create(r.getString(0), r.getString(1), r.getString(2), r.getString(3), k.n(), tt, ab, ba, nn,
                    nullIfNaN(k.observed()), nullIfNaN(k.expected()), nullIfNaN(k.kappa()), nullIfNaN(k.ciLow()), nullIfNaN(k.ciHigh())));
        }
        return out;
    }

    /** {@link Tables#FLIPS} rows: per stage, judge and group, plus group {@code all}; rows whose twin errored are left out. */
    static Dataset<Row> flips(Dataset<Row> counterfactuals) {
        Dataset<Row> c = counterfactuals.filter(col("flipped").isNotNull());
        Dataset<Row> perGroup = aggregateFlips(c.withColumn("group_name", col("category")));
        Dataset<Row> all = aggregateFlips(c.withColumn("group_name", lit("all")));
        return perGroup.unionByName(all).orderBy("experiment", "stage", "judge", "category");
    }

    private static Dataset<Row> aggregateFlips(Dataset<Row> c) {
        return c.groupBy(col("experiment"), col("stage"), col("judge"), col("group_name").as("category"))
                .agg(count(lit(1)).as("n"), sum(when(col("flipped"), 1L).otherwise(0L)).as("flips"),
                        sum(when(col("original_label").equalTo(Label.TOXIC).and(col("label").equalTo(Label.NON_TOXIC)), 1L).otherwise(0L))
                                .as("toxic_to_non_toxic"),
                        sum(when(col("original_label").equalTo(Label.NON_TOXIC).and(col("label").equalTo(Label.TOXIC)), 1L).otherwise(0L))
                                .as("non_toxic_to_toxic"))
                .withColumn("flip_rate", col("flips").cast("double").divide(col("n")))
                .select("experiment", "stage", "judge", "category", "n", "flips", "flip_rate", "toxic_to_non_toxic", "non_toxic_to_toxic");
    }

    /** Replaces the experiment's partition (cleared when there is nothing to write). */
    private static void replace(SparkSession spark, Dataset<Row> rows, String root, String table, String experiment) {
        if (rows.isEmpty()) {
            TableStore.deletePartition(spark, root, table, java.util.Map.of("experiment", experiment));
        } else {
            TableStore.overwritePartitions(rows, root, table, List.of("experiment"));
        }
    }

    private static Double nullIfNaN(double v) {
        return Double.isNaN(v) ? null : v;
    }
}
