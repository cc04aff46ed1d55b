package org.specfair.aggregate;

import org.specfair.tables.Tables;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.percentile_approx;
import static org.apache.spark.sql.functions.when;

/**
 * {@code transitions}: how each sample's label moved between two stages. A sample is the same prompt id and
 * sample index in both stages (run ids differ: the checkpoints did). Per stage pair x category x judge, four
 * rows (toxic->non_toxic, non_toxic->toxic, stayed_toxic, stayed_non_toxic) with the KL of those samples'
 * tokens in each stage; samples missing on one side or unparsed on either are counted apart, never classed.
 */
public final class Transitions {
    public static final List<String> CLASSES = List.of("toxic->non_toxic", "non_toxic->toxic", "stayed_toxic", "stayed_non_toxic");
    static final String MISSING_BEFORE = "missing_before";
    static final String MISSING_AFTER = "missing_after";
    static final String UNPARSED = "unparsed";

    private Transitions() {}

    /**
     * Every judged sample of every pair: experiment, stage_before, stage_after, judge, category, prompt_id,
     * sample_index, run_id_before, run_id_after, transition (a class, or missing_before / missing_after / unparsed).
     */
    public static Dataset<Row> classify(AggregateInputs in, List<StagePair> pairs) {
        Dataset<Row> judgments = in.judgments().orElseThrow();
        Column fine = col("error").isNull();
        Dataset<Row> labelled = judgments.drop("category").join(in.goodSamples(), GroupMetrics.scalaKeys())
                .select(col("experiment"), col("stage"), col("run_id"), col("prompt_id"), col("sample_index"), col("category"), col("judge"),
                        when(fine.and(col("label").isin("toxic", "non_toxic")), col("label")).otherwise(lit(UNPARSED)).as("status"));
        Dataset<Row> all = null;
        for (StagePair p : pairs) {
            Dataset<Row> b = side(labelled, p.experiment(), p.before(), "before");
            Dataset<Row> a = side(labelled, p.experiment(), p.after(), "after");
            Dataset<Row> joined = b.join(a, GroupMetrics.scalaSeq("prompt_id", "sample_index", "judge"), "full_outer")
                    .select(lit(p.experiment()).as("experiment"), lit(p.before()).as("stage_before"), lit(p.after()).as("stage_after"),
                            col("judge"), coalesce(col("category_before"), col("category_after")).as("category"),
                            col("prompt_id"), col("sample_index"), col("run_id_before"), col("run_id_after"),
                            transition(col("status_before"), col("status_after")).as("transition"));
            all = all == null ? joined : all.unionByName(joined);
        }
        return all;
    }

    private static Dataset<Row> side(Dataset<Row> labelled, String experiment, String stage, String suffix) {
        return labelled.filter(col("experiment").equalTo(experiment).and(col("stage").equalTo(stage)))
                .select(col("prompt_id"), col("sample_index"), col("judge"), col("category").as("category_" + suffix),
                        col("run_id").as("run_id_" + suffix), col("status").as("status_" + suffix));
    }

    private static Column transition(Column before, Column after) {
        return when(before.isNull(), lit(MISSING_BEFORE))
                .when(after.isNull(), lit(MISSING_AFTER))
                .when(before.equalTo(UNPARSED).or(after.equalTo(UNPARSED)), lit(UNPARSED))
                .when(before.equalTo("toxic").and(after.equalTo("non_toxic")), lit(CLASSES.get(0)))
                .when(before.equalTo("non_toxic").and(after.equalTo("toxic")), lit(CLASSES.get(1)))
                .when(before.equalTo("toxic"), lit(CLASSES.get(2)))
                .otherwise(lit(CLASSES.get(3)));
    }

    /** Tokens of the classed samples on one side ("before" or "after") of their pair, with the pair's columns. */
    public static Dataset<Row> tokensOf(Dataset<Row> classified, Dataset<Row> tokens, String side) {
        Dataset<Row> samples = classified.filter(col("transition").isin(CLASSES.toArray()))
                .select(col("experiment"), col("stage_" + side).as("stage"), col("run_id_" + side).as("run_id"),
                        col("prompt_id"), col("sample_index"), col("stage_before"), col("stage_after"), col("judge"),
                        col("category"), col("transition"));
        return tokens.join(samples, GroupMetrics.scalaKeys());
    }

    public static Dataset<Row> compute(SparkSession spark, AggregateInputs in, List<StagePair> pairs) {
        List<Row> out = new ArrayList<>();
        if (pairs.isEmpty() || in.judgments().isEmpty()) {
            return spark.createDataFrame(out, Tables.TRANSITION);
        }
        Dataset<Row> classified = classify(in, pairs).cache();
        try {
            String[] group = {"experiment", "stage_before", "stage_after", "category", "judge"};
            Map<List<String>, Map<String, Long>> counts = new TreeMap<>(GroupMetrics::compareKeys);
            for (Row r : classified.groupBy(col("experiment"), col("stage_before"), col("stage_after"), col("category"), col("judge"), col("transition"))
                    .count().collectAsList()) {
                counts.computeIfAbsent(GroupMetrics.key(r, group), k -> new HashMap<>()).put(r.getAs("transition"), r.<Long>getAs("count"));
            }
            Map<List<String>, Row> before = new HashMap<>();
            Map<List<String>, Row> after = new HashMap<>();
            in.tokens().ifPresent(tokens -> {
                klByClass(tokensOf(classified, tokens, "before")).forEach(r -> before.put(GroupMetrics.key(r, withClass(group)), r));
                klByClass(tokensOf(classified, tokens, "after")).forEach(r -> after.put(GroupMetrics.key(r, withClass(group)), r));
            });
            counts.forEach((key, byClass) -> {
                long matched = CLASSES.stream().mapToLong(c -> byClass.getOrDefault(c, 0L)).sum();
                for (String c : CLASSES) {
                    long n = byClass.getOrDefault(c, 0L);
                    List<String> k = new ArrayList<>(key);
                    k.add(c);
                    Row b = before.get(k);
                    Row a = after.get(k);
                    out.add(RowFactory.create(key.get(0), key.get(1), key.get(2), key.get(3), key.get(4), c, n,
                            matched > 0 ? (double) n / matched : null, matched,
                            byClass.getOrDefault(MISSING_BEFORE, 0L), byClass.getOrDefault(MISSING_AFTER, 0L),
                            byClass.getOrDefault(UNPARSED, 0L),
                            b == null ? 0L : Cells.lng(b, "tokens"), a == null ? 0L : Cells.lng(a, "tokens"),
                            b == null ? null : Cells.dbl(b, "mean_kl"), a == null ? null : Cells.dbl(a, "mean_kl"),
                            b == null ? null : Cells.dbl(b, "median_kl"), a == null ? null : Cells.dbl(a, "median_kl"),
                            b == null ? null : Cells.dbl(b, "mean_kl_am"), a == null ? null : Cells.dbl(a, "mean_kl_am")));
                }
            });
        } finally {
            classified.unpersist();
        }
        return spark.createDataFrame(out, Tables.TRANSITION);
    }

    private static String[] withClass(String[] group) {
        String[] k = java.util.Arrays.copyOf(group, group.length + 1);
        k[group.length] = "transition";
        return k;
    }

    private static List<Row> klByClass(Dataset<Row> tokens) {
        return tokens.groupBy("experiment", "stage_before", "stage_after", "category", "judge", "transition").agg(
                count(lit(1)).as("tokens"),
                avg("kl_main_assistant").as("mean_kl"),
                percentile_approx(col("kl_main_assistant"), lit(0.5), lit(GroupMetrics.ACCURACY)).as("median_kl"),
                avg("kl_assistant_main").as("mean_kl_am")).collectAsList();
    }
}
