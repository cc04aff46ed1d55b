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
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.countDistinct;
import static org.apache.spark.sql.functions.first;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.percentile_approx;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

/**
 * {@code group_metrics}: per experiment x stage x category (x judge), the match ratio with a prompt-level
 * bootstrap CI, acceptance, agreement, per-token alpha and KL (mean and quantiles, both directions),
 * toxicity with a Wilson interval, and per stage the disparity of mean ratios with a permutation p-value.
 * Spark computes the per-group sums; the few resulting rows are finished on the driver.
 */
public final class GroupMetrics {
    /** Base seed of the bootstrap and permutation draws (mixed with experiment, stage and group). */
    public static final long SEED = 20261130L;
    /** percentile_approx accuracy: relative rank error 1/ACCURACY (0.001, fine enough for p99; see issue 13). */
    static final int ACCURACY = 1000;

    private GroupMetrics() {}

    public static Dataset<Row> compute(SparkSession spark, AggregateInputs in) {
        Dataset<Row> gens = in.generations();
        Column ok = col("error").isNull();
        List<Row> base = gens.groupBy("experiment", "stage", "category").agg(
                countDistinct(when(ok, col("prompt_id"))).as("prompts"),
                count(when(ok, lit(1))).as("samples"),
                count(when(ok.unary_$bang(), lit(1))).as("error_samples"),
                avg(when(ok, col("ratio"))).as("mean_ratio"),
                avg(when(ok, col("acceptance_rate"))).as("mean_acceptance_rate"),
                avg(when(ok, col("agreement_rate"))).as("mean_agreement_rate")).collectAsList();

        Map<List<String>, Row> tokenStats = new HashMap<>();
        in.tokens().ifPresent(tokens -> {
            for (Row r : tokenStats(tokens.join(in.goodSamples(), scalaKeys()))) {
                tokenStats.put(key(r, "experiment", "stage", "category"), r);
            }
        });
        Map<List<String>, List<Row>> judged = new HashMap<>();
        Map<List<String>, List<String[]>> judgesPerStage = new TreeMap<>(GroupMetrics::compareKeys);
        in.judgments().ifPresent(j -> {
            for (Row r : judgmentStats(j, in.goodSamples())) {
                judged.computeIfAbsent(key(r, "experiment", "stage", "category"), k -> new ArrayList<>()).add(r);
            }
            for (Row r : j.select("experiment", "stage", "judge", "judge_kind").distinct().collectAsList()) {
                judgesPerStage.computeIfAbsent(key(r, "experiment", "stage"), k -> new ArrayList<>())
                        .add(new String[] {r.getAs("judge"), r.getAs("judge_kind")});
            }
        });
        RatioStats ratios = RatioStats.of(gens.filter(ok.and(col("ratio").isNotNull())));

        List<Row> out = new ArrayList<>();
        for (Row b : base) {
            List<String> group = key(b, "experiment", "stage", "category");
            List<String> stage = group.subList(0, 2);
            Row t = tokenStats.get(group);
            double[] ci = ratios.ci(group);
            SpreadPermutationTest.Result disparity = ratios.disparity(stage);
            List<String[]> judges = judgesPerStage.getOrDefault(stage, List.of());
            List<String[]> rowsJudges = judges.isEmpty() ? java.util.Collections.singletonList(new String[] {null, null}) : judges;
            for (String[] judge : rowsJudges) {
                Row j = judge[0] == null ? null : judged.getOrDefault(group, List.of()).stream()
                        .filter(r -> judge[0].equals(r.getAs("judge"))).findFirst().orElse(null);
                out.add(row(b, t, ci, disparity, judge, j));
            }
        }
        out.sort((x, y) -> compareKeys(positional(x, 4), positional(y, 4)));  // experiment, stage, category, judge
        return spark.createDataFrame(out, Tables.GROUP_METRIC);
    }

    private static Row row(Row b, Row t, double[] ci, SpreadPermutationTest.Result disparity, String[] judge, Row j) {
        long judgedCount = j == null ? 0 : Cells.lng0(j, "judged");
        long toxic = j == null ? 0 : Cells.lng0(j, "toxic_count");
        Wilson w = Wilson.of(toxic, judgedCount);
        boolean hasJudge = judge[0] != null;
        return RowFactory.create(
                b.getAs("experiment"), b.getAs("stage"), b.getAs("category"), judge[0], judge[1],
                Cells.lng(b, "prompts"), Cells.lng(b, "samples"), Cells.lng(b, "error_samples"),
                Cells.dbl(b, "mean_ratio"), ci == null ? null : ci[0], ci == null ? null : ci[1],
                Cells.dbl(b, "mean_acceptance_rate"), Cells.dbl(b, "mean_agreement_rate"),
                t == null ? 0L : Cells.lng(t, "tokens"),
                t == null ? null : Cells.dbl(t, "mean_alpha"),
                t == null ? null : Cells.dbl(t, "mean_kl_main_assistant"),
                quantile(t, "q_main_assistant", 0), quantile(t, "q_main_assistant", 1), quantile(t, "q_main_assistant", 2),
                t == null ? null : Cells.dbl(t, "mean_kl_assistant_main"),
                quantile(t, "q_assistant_main", 0), quantile(t, "q_assistant_main", 1), quantile(t, "q_assistant_main", 2),
                hasJudge ? judgedCount : null,
                hasJudge ? (j == null ? 0L : Cells.lng0(j, "unparsed_count")) : null,
                hasJudge ? (j == null ? 0L : Cells.lng0(j, "judge_errors")) : null,
                hasJudge ? toxic : null,
                judgedCount > 0 ? (double) toxic / judgedCount : null,
                w == null ? null : w.low(), w == null ? null : w.high(),
                j == null ? null : Cells.dbl(j, "mean_p_yes"),
                j == null ? null : Cells.dbl(j, "honest_score"),
                disparity == null ? null : disparity.spread(),
                disparity == null ? null : disparity.lowGroup(),
                disparity == null ? null : disparity.highGroup(),
                disparity == null ? null : disparity.pValue());
    }

    /** Per group: token count, mean alpha, mean and p50/p90/p99 of per-token KL in both directions. */
    static List<Row> tokenStats(Dataset<Row> tokensWithGroup) {
        Column probs = org.apache.spark.sql.functions.array(lit(0.5), lit(0.9), lit(0.99));
        return tokensWithGroup.groupBy("experiment", "stage", "category").agg(
                count(lit(1)).as("tokens"),
                avg("alpha").as("mean_alpha"),
                avg("kl_main_assistant").as("mean_kl_main_assistant"),
                percentile_approx(col("kl_main_assistant"), probs, lit(ACCURACY)).as("q_main_assistant"),
                avg("kl_assistant_main").as("mean_kl_assistant_main"),
                percentile_approx(col("kl_assistant_main"), probs, lit(ACCURACY)).as("q_assistant_main")).collectAsList();
    }

    /**
     * Per group and judge over judgments of error-free generations: judged = toxic + non_toxic (judge error null),
     * unparsed and errored rows counted apart, mean score by judge kind.
     */
    static List<Row> judgmentStats(Dataset<Row> judgments, Dataset<Row> goodSamples) {
        Column fine = col("error").isNull();
        Column label = col("label");
        return judgments.drop("category").join(goodSamples, scalaKeys()).groupBy("experiment", "stage", "category", "judge").agg(
                first("judge_kind").as("judge_kind"),
                count(when(fine.and(label.isin("toxic", "non_toxic")), lit(1))).as("judged"),
                count(when(fine.and(label.equalTo("toxic")), lit(1))).as("toxic_count"),
                count(when(fine.and(label.isNull().or(label.isin("toxic", "non_toxic").unary_$bang())), lit(1))).as("unparsed_count"),
                count(when(fine.unary_$bang(), lit(1))).as("judge_errors"),
                avg(when(fine.and(col("judge_kind").equalTo("llm")), col("score"))).as("mean_p_yes"),
                avg(when(fine.and(col("judge_kind").equalTo("honest")), col("score"))).as("honest_score")).collectAsList();
    }

    /** The five generation keys as the Scala Seq that Dataset.join(other, usingColumns) takes. */
    static scala.collection.immutable.Seq<String> scalaKeys() {
        return scalaSeq(AggregateInputs.KEYS);
    }

    static scala.collection.immutable.Seq<String> scalaSeq(String... columns) {
        return scala.jdk.javaapi.CollectionConverters.asScala(List.of(columns)).toList();
    }

    private static Double quantile(Row t, String column, int i) {
        if (t == null || t.getAs(column) == null) {
            return null;
        }
        List<Object> q = t.getList(t.fieldIndex(column));
        return q.size() <= i || q.get(i) == null ? null : Cells.finite(((Number) q.get(i)).doubleValue());
    }

    static List<String> key(Row r, String... names) {
        List<String> k = new ArrayList<>(names.length);
        for (String n : names) {
            Object v = r.getAs(n);
            k.add(v == null ? null : v.toString());
        }
        return k;
    }

    /** The first n fields as strings (rows built with RowFactory have no schema to look names up in). */
    static List<String> positional(Row r, int n) {
        List<String> k = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            k.add(r.isNullAt(i) ? null : r.get(i).toString());
        }
        return k;
    }

    /** Lexicographic, nulls first. */
    static int compareKeys(List<String> a, List<String> b) {
        for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
            String x = a.get(i);
            String y = b.get(i);
            int c = x == null ? (y == null ? 0 : -1) : y == null ? 1 : x.compareTo(y);
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(a.size(), b.size());
    }

    /** Per-prompt ratio sums, collected once: bootstrap CIs per group and the disparity test per stage. */
    record RatioStats(Map<List<String>, Map<String, List<PromptSums>>> byStage) {
        static RatioStats of(Dataset<Row> okGenerations) {
            Map<List<String>, Map<String, List<PromptSums>>> byStage = new HashMap<>();
            for (Row r : okGenerations.groupBy("experiment", "stage", "category", "prompt_id")
                    .agg(sum("ratio").as("s"), count(lit(1)).as("n")).collectAsList()) {
                byStage.computeIfAbsent(key(r, "experiment", "stage"), k -> new TreeMap<>())
                        .computeIfAbsent(r.getAs("category"), k -> new ArrayList<>())
                        .add(new PromptSums(r.getAs("prompt_id"), ((Number) r.getAs("s")).doubleValue(), r.<Long>getAs("n")));
            }
            return new RatioStats(byStage);
        }

        double[] ci(List<String> group) {
            List<PromptSums> prompts = byStage.getOrDefault(group.subList(0, 2), Map.of()).get(group.get(2));
            return prompts == null ? null : Bootstrap.ci95(prompts, Bootstrap.seedOf(SEED, group.toArray(new String[0])));
        }

        SpreadPermutationTest.Result disparity(List<String> stage) {
            Map<String, List<PromptSums>> groups = byStage.get(stage);
            return groups == null ? null : SpreadPermutationTest.test(groups, Bootstrap.seedOf(SEED, stage.get(0), stage.get(1), "spread"));
        }
    }
}
