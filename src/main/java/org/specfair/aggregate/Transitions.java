package org.specfair.aggregate;

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

import static org.apache.spark.sql.functions.broadcast;
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
     * One plan for all pairs: each side is the labelled samples joined with the (small) table of pairs, then the two
     * sides are full-outer joined; no per-pair branches, so the cost does not grow with the number of stages.
     */
    public static Dataset<Row> classify(SparkSession spark, AggregateInputs in, List<StagePair> pairs) {
        Dataset<Row> judgments = in.judgments().orElseThrow();
        Column fine = col("error").isNull();
        Dataset<Row> labelled = judgments.drop("category").join(in.goodSamples(), GroupMetrics.scalaKeys())
                .select(col("experiment"), col("stage"), col("run_id"), col("prompt_id"), col("sample_index"), col("category"), col("judge"),
                        when(fine.and(col("label").isin("toxic", "non_toxic")), col("label")).otherwise(lit(UNPARSED)).as("status"));
        List<Row> pairRows = pairs.stream().map(p -> RowFactory.create(p.experiment(), p.before(), p.after())).toList();
        Dataset<Row> pairTable = broadcast(spark.createDataFrame(pairRows, PAIR));
        Dataset<Row> b = side(labelled, pairTable, "before");
        Dataset<Row> a = side(labelled, pairTable, "after");
        return b.join(a, GroupMetrics.scalaSeq("experiment", "stage_before", "stage_after", "prompt_id", "sample_index", "judge"), "full_outer")
                .select(col("experiment"), col("stage_before"), col("stage_after"),
                        col("judge"), coalesce(col("category_before"), col("category_after")).as("category"),
                        col("prompt_id"), col("sample_index"), col("run_id_before"), col("run_id_after"),
                        transition(col("status_before"), col("status_after")).as("transition"));
    }

    private static final org.apache.spark.sql.types.StructType PAIR = new org.apache.spark.sql.types.StructType()
            .add("pair_experiment", "string").add("stage_before", "string").add("stage_after", "string");

    /** The labelled samples of the stage on one side ("before" or "after") of every pair, with the pair's stages. */
    private static Dataset<Row> side(Dataset<Row> labelled, Dataset<Row> pairTable, String suffix) {
        return labelled.join(pairTable, col("experiment").equalTo(col("pair_experiment")).and(col("stage").equalTo(col("stage_" + suffix))))
                .select(col("experiment"), col("stage_before"), col("stage_after"), col("prompt_id"), col("sample_index"), col("judge"),
                        col("category").as("category_" + suffix), col("run_id").as("run_id_" + suffix), col("status").as("status_" + suffix));
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

    /**
     * The tokens of every classed sample on both sides of its pair, in one join: experiment, stage (the side's),
     * side ("before" / "after"), stage_before, stage_after, judge, category, transition and the two KL columns.
     * Transitions and distributions both read it; the caller caches it.
     */
    public static Dataset<Row> classedTokens(Dataset<Row> classified, Dataset<Row> tokens) {
        return classedRows(classified, tokens, "kl_main_assistant", "kl_assistant_main");
    }

    /** Per-sample rows (tokens, drafts) of every classed sample on both sides of its pair, with {@code values} kept. */
    public static Dataset<Row> classedRows(Dataset<Row> classified, Dataset<Row> rows, String... values) {
        Dataset<Row> classed = classified.filter(col("transition").isin(CLASSES.toArray()));
        Dataset<Row> samples = sideOf(classed, "before").unionByName(sideOf(classed, "after"));
        List<Column> kept = new ArrayList<>(List.of(col("experiment"), col("stage"), col("side"), col("stage_before"), col("stage_after"),
                col("judge"), col("category"), col("transition")));
        for (String v : values) {
            kept.add(col(v));
        }
        return rows.drop("category").join(samples, GroupMetrics.scalaKeys()).select(kept.toArray(new Column[0]));
    }

    private static Dataset<Row> sideOf(Dataset<Row> classed, String side) {
        return classed.select(col("experiment"), col("stage_" + side).as("stage"), col("run_id_" + side).as("run_id"),
                col("prompt_id"), col("sample_index"), lit(side).as("side"), col("stage_before"), col("stage_after"), col("judge"),
                col("category"), col("transition"));
    }

    /**
     * Two Spark jobs whatever the number of pairs, groups and judges: class counts over {@code classified}, and KL
     * summaries over {@code classedTokens} (null without a tokens table) for both sides at once.
     */
    public static List<Row> compute(Dataset<Row> classified, Dataset<Row> classedTokens) {
        List<Row> out = new ArrayList<>();
        if (classified == null) {
            return out;
        }
        String[] group = {"experiment", "stage_before", "stage_after", "category", "judge"};
        Map<List<String>, Map<String, Long>> counts = new TreeMap<>(GroupMetrics::compareKeys);
        for (Row r : classified.groupBy(col("experiment"), col("stage_before"), col("stage_after"), col("category"), col("judge"), col("transition"))
                .count().collectAsList()) {
            counts.computeIfAbsent(GroupMetrics.key(r, group), k -> new HashMap<>()).put(r.getAs("transition"), r.<Long>getAs("count"));
        }
        Map<List<String>, Row> before = new HashMap<>();
        Map<List<String>, Row> after = new HashMap<>();
        if (classedTokens != null) {
            for (Row r : klByClass(classedTokens)) {
                ("before".equals(r.getAs("side")) ? before : after).put(GroupMetrics.key(r, withClass(group)), r);
            }
        }
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
                        b == null ? null : ExactMean.of(b, "kl"), a == null ? null : ExactMean.of(a, "kl"),
                        b == null ? null : Cells.dbl(b, "median_kl"), a == null ? null : Cells.dbl(a, "median_kl"),
                        b == null ? null : ExactMean.of(b, "kl_am"), a == null ? null : ExactMean.of(a, "kl_am")));
            }
        });
        return out;
    }

    private static String[] withClass(String[] group) {
        String[] k = java.util.Arrays.copyOf(group, group.length + 1);
        k[group.length] = "transition";
        return k;
    }

    private static List<Row> klByClass(Dataset<Row> tokens) {
        Column[] ma = ExactMean.aggregates("kl_main_assistant", "kl");
        Column[] am = ExactMean.aggregates("kl_assistant_main", "kl_am");
        return tokens.groupBy("experiment", "stage_before", "stage_after", "category", "judge", "transition", "side").agg(
                count(lit(1)).as("tokens"), ma[0], ma[1],
                percentile_approx(col("kl_main_assistant"), lit(0.5), lit(GroupMetrics.ACCURACY)).as("median_kl"),
                am[0], am[1]).collectAsList();
    }
}
