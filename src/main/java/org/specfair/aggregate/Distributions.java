package org.specfair.aggregate;

import org.specfair.tables.Tables;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;

import java.util.ArrayList;
import java.util.List;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.isnan;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

/**
 * {@code distributions}: histogram bins of per-token KL (both directions) and of draft {@code p_i - q_i}
 * (accepted vs rejected), by stage and category, for all samples ({@code transition = all}) and for each
 * transition class of each stage pair and judge. Bin edges are shared by every histogram of one figure in
 * one experiment, so they overlay: KL over [0, q99.9] of all the experiment's tokens (approxQuantile,
 * relative error 0.001), {@code p_i - q_i} over [-1, 1]; values past the last edge count in the last bin.
 */
public final class Distributions {
    public static final int BINS = 40;
    public static final List<String> KL_FIGURES = List.of("kl_main_assistant", "kl_assistant_main");
    public static final String P_MINUS_Q = "p_minus_q";
    /** Tail quantile for the KL range; its rank error must stay well under 1 - P (issue 13: 0.01 returned the max). */
    static final double KL_RANGE_QUANTILE = 0.999;
    static final double KL_RANGE_RELATIVE_ERROR = 0.001;

    private Distributions() {}

    public static Dataset<Row> compute(SparkSession spark, AggregateInputs in, List<StagePair> pairs) {
        List<Dataset<Row>> parts = new ArrayList<>();
        Dataset<Row> classified = in.judgments().isPresent() && !pairs.isEmpty() ? Transitions.classify(in, pairs).cache() : null;
        List<String> experiments = in.generations().select("experiment").distinct().collectAsList().stream().map(r -> r.getString(0)).sorted().toList();
        in.tokens().ifPresent(tokens -> {
            for (String experiment : experiments) {
                Dataset<Row> own = tokens.filter(col("experiment").equalTo(experiment));
                double[] range = klRange(own);
                Dataset<Row> all = asAll(own.join(in.goodSamples(), GroupMetrics.scalaKeys()));
                for (int f = 0; f < KL_FIGURES.size(); f++) {
                    String figure = KL_FIGURES.get(f);
                    parts.add(histogram(all, figure, col(figure), null, 0.0, range[f]));
                    if (classified != null) {
                        Dataset<Row> exp = classified.filter(col("experiment").equalTo(experiment));
                        for (String side : List.of("before", "after")) {
                            parts.add(histogram(asClassed(Transitions.tokensOf(exp, own, side)), figure, col(figure), null, 0.0, range[f]));
                        }
                    }
                }
            }
        });
        in.drafts().ifPresent(drafts -> {
            Column draft = when(col("accepted"), lit("accepted")).otherwise(lit("rejected"));
            parts.add(histogram(asAll(drafts.join(in.goodSamples(), GroupMetrics.scalaKeys())), P_MINUS_Q, col("p_minus_q"), draft, -1.0, 1.0));
            if (classified != null) {
                for (String side : List.of("before", "after")) {
                    parts.add(histogram(asClassed(Transitions.tokensOf(classified, drafts, side)), P_MINUS_Q, col("p_minus_q"), draft, -1.0, 1.0));
                }
            }
        });
        // One Spark job for all histograms: on a busy machine each job's scheduling costs more than these small scans.
        List<Row> rows = parts.isEmpty() ? new ArrayList<>()
                : new ArrayList<>(parts.stream().reduce(Dataset::unionByName).orElseThrow().collectAsList());
        if (classified != null) {
            classified.unpersist();
        }
        String[] histogramKey = {"experiment", "figure", "stage_pair", "judge", "transition", "stage", "category", "draft"};
        rows.sort(java.util.Comparator.comparing((Row r) -> GroupMetrics.key(r, histogramKey), GroupMetrics::compareKeys)
                .thenComparingInt(r -> r.getInt(r.fieldIndex("bin"))));
        return spark.createDataFrame(rows, Tables.DISTRIBUTION);
    }

    /** [0, q99.9] upper edges for both KL directions; a degenerate range (all zero) widens to 1e-6. */
    static double[] klRange(Dataset<Row> tokens) {
        Dataset<Row> finite = tokens.filter(col("kl_main_assistant").isNotNull().and(isnan(col("kl_main_assistant")).unary_$bang())
                .and(col("kl_assistant_main").isNotNull()).and(isnan(col("kl_assistant_main")).unary_$bang()));
        double[][] q = finite.stat().approxQuantile(KL_FIGURES.toArray(new String[0]), new double[] {KL_RANGE_QUANTILE}, KL_RANGE_RELATIVE_ERROR);
        double[] hi = new double[KL_FIGURES.size()];
        for (int i = 0; i < hi.length; i++) {
            hi[i] = q[i].length == 0 || !(q[i][0] > 1e-6) ? 1e-6 : q[i][0];
        }
        return hi;
    }

    /** Rows of every good sample: transition "all", no pair or judge. */
    private static Dataset<Row> asAll(Dataset<Row> rows) {
        return rows.withColumn("stage_pair", lit(null).cast("string")).withColumn("judge", lit(null).cast("string"))
                .withColumn("transition", lit("all"));
    }

    private static Dataset<Row> asClassed(Dataset<Row> rows) {
        return rows.withColumn("stage_pair", concat(col("stage_before"), lit("->"), col("stage_after")));
    }

    /**
     * Counts per histogram (experiment, stage, stage_pair, judge, transition, category, draft) and bin, with each
     * bin's share of its histogram. Null and NaN values are left out (the tables the project writes have none).
     */
    static Dataset<Row> histogram(Dataset<Row> rows, String figure, Column value, Column draft, double lo, double hi) {
        double width = (hi - lo) / BINS;
        Column bin = least(greatest(floor(value.minus(lo).divide(width)), lit(0)), lit(BINS - 1)).cast("int");
        String[] key = {"experiment", "stage", "stage_pair", "judge", "transition", "category", "draft"};
        Dataset<Row> counted = rows.filter(value.isNotNull().and(isnan(value).unary_$bang()))
                .withColumn("draft", draft == null ? lit(null).cast("string") : draft)
                .withColumn("bin", bin)
                .groupBy(col("experiment"), col("stage"), col("stage_pair"), col("judge"), col("transition"), col("category"), col("draft"), col("bin"))
                .count();
        Column total = sum(col("count")).over(Window.partitionBy(java.util.Arrays.stream(key).map(org.apache.spark.sql.functions::col).toArray(Column[]::new)));
        return counted.select(col("experiment"), lit(figure).as("figure"), col("stage"), col("stage_pair"), col("judge"),
                col("transition"), col("category"), col("draft"), col("bin"),
                col("bin").multiply(width).plus(lo).as("bin_low"), col("bin").plus(1).multiply(width).plus(lo).as("bin_high"),
                col("count"), col("count").divide(total).as("share"));
    }
}
