package org.specfair.aggregate;

import org.specfair.tables.Tables;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.expressions.GenericRowWithSchema;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.percentile_approx;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

/**
 * {@code group_metrics}: per experiment x stage x category (x judge), the match ratio with a prompt-level
 * bootstrap CI, acceptance, agreement, per-token alpha and KL (mean and quantiles, both directions),
 * toxicity with a Wilson interval, and per stage the disparity of mean ratios with a permutation p-value.
 *
 * <p>Three Spark jobs whatever the number of groups, stages and judges: per-prompt sums of generations, one
 * grouped pass over tokens, one over judgments. Prompts are few next to tokens, so the per-prompt sums come to the
 * driver once and every generation-level figure (means, bootstrap, permutation test) is finished there, summed in
 * prompt-id order: the same rows whatever Spark's partitioning.
 */
public final class GroupMetrics {
    /** Base seed of the bootstrap and permutation draws (mixed with experiment, stage and group). */
    public static final long SEED = 20261130L;
    /** percentile_approx accuracy: relative rank error 1/ACCURACY (0.001, fine enough for p99; see issue 13). */
    static final int ACCURACY = 1000;

    private GroupMetrics() {}

    /** The group_metrics rows (schema {@link Tables#GROUP_METRIC}), sorted by experiment, stage, category, judge. */
    public static List<Row> compute(AggregateInputs in) {
        Map<List<String>, List<Row>> promptsByGroup = promptSums(in.generations());

        Map<List<String>, Row> tokenStats = new HashMap<>();
        in.tokens().ifPresent(tokens -> {
            for (Row r : tokenStats(tokens)) {
                tokenStats.put(key(r, "experiment", "stage", "category"), r);
            }
        });
        Map<List<String>, List<Row>> judged = new HashMap<>();
        Map<List<String>, List<String[]>> judgesPerStage = new TreeMap<>(GroupMetrics::compareKeys);
        in.judgments().ifPresent(j -> {
            Map<List<String>, String> kinds = new TreeMap<>(GroupMetrics::compareKeys);
            for (Row r : judgmentStats(j, in.goodSamples())) {
                kinds.merge(key(r, "experiment", "stage", "judge"), r.getAs("judge_kind"), (a, b) -> a.compareTo(b) <= 0 ? a : b);
                if (Boolean.TRUE.equals(r.getAs("good"))) {
                    judged.computeIfAbsent(key(r, "experiment", "stage", "category"), k -> new ArrayList<>()).add(r);
                }
            }
            kinds.forEach((k, kind) -> judgesPerStage.computeIfAbsent(k.subList(0, 2), s -> new ArrayList<>()).add(new String[] {k.get(2), kind}));
        });

        // Bootstrap and permutation draws are the driver's heaviest work; each group has its own seed, so in parallel.
        Map<List<String>, double[]> cis = new java.util.concurrent.ConcurrentHashMap<>();
        promptsByGroup.entrySet().parallelStream().forEach(e -> {
            double[] ci = Bootstrap.ci95(ratioSums(e.getValue()), Bootstrap.seedOf(SEED, e.getKey().toArray(new String[0])));
            if (ci != null) {
                cis.put(e.getKey(), ci);
            }
        });
        Map<List<String>, Map<String, List<PromptSums>>> byStage = new TreeMap<>(GroupMetrics::compareKeys);
        promptsByGroup.forEach((g, prompts) -> byStage.computeIfAbsent(g.subList(0, 2), k -> new TreeMap<>()).put(g.get(2), ratioSums(prompts)));
        Map<List<String>, SpreadPermutationTest.Result> disparities = new java.util.concurrent.ConcurrentHashMap<>();
        byStage.entrySet().parallelStream().forEach(e -> {
            SpreadPermutationTest.Result r = SpreadPermutationTest.test(e.getValue(), Bootstrap.seedOf(SEED, e.getKey().get(0), e.getKey().get(1), "spread"));
            if (r != null) {
                disparities.put(e.getKey(), r);
            }
        });

        List<Row> out = new ArrayList<>();
        promptsByGroup.forEach((group, prompts) -> {
            List<String> stage = group.subList(0, 2);
            Row t = tokenStats.get(group);
            List<String[]> judges = judgesPerStage.getOrDefault(stage, List.of());
            List<String[]> rowsJudges = judges.isEmpty() ? java.util.Collections.singletonList(new String[] {null, null}) : judges;
            for (String[] judge : rowsJudges) {
                Row j = judge[0] == null ? null : judged.getOrDefault(group, List.of()).stream()
                        .filter(r -> judge[0].equals(r.getAs("judge"))).findFirst().orElse(null);
                out.add(row(group, prompts, t, cis.get(group), disparities.get(stage), judge, j));
            }
        });
        out.sort((x, y) -> compareKeys(positional(x, 4), positional(y, 4)));  // experiment, stage, category, judge
        return out;
    }

    /**
     * One Spark job: per experiment x stage x category x prompt, the sums and counts of the per-sample columns.
     * Returned per group, each group's prompts sorted by prompt id (so driver-side sums do not depend on partitioning).
     */
    static Map<List<String>, List<Row>> promptSums(Dataset<Row> generations) {
        Column ok = col("error").isNull();
        Map<List<String>, List<Row>> byGroup = new TreeMap<>(GroupMetrics::compareKeys);
        for (Row r : generations.groupBy("experiment", "stage", "category", "prompt_id").agg(
                count(when(ok, lit(1))).as("samples"),
                count(when(ok.unary_$bang(), lit(1))).as("error_samples"),
                sum(when(ok, col("ratio"))).as("ratio_sum"), count(when(ok, col("ratio"))).as("ratio_n"),
                sum(when(ok, col("acceptance_rate"))).as("acceptance_sum"), count(when(ok, col("acceptance_rate"))).as("acceptance_n"),
                sum(when(ok, col("agreement_rate"))).as("agreement_sum"), count(when(ok, col("agreement_rate"))).as("agreement_n"))
                .collectAsList()) {
            byGroup.computeIfAbsent(key(r, "experiment", "stage", "category"), k -> new ArrayList<>()).add(r);
        }
        java.util.Comparator<Row> byPrompt = java.util.Comparator.comparing(r -> r.<String>getAs("prompt_id"),
                java.util.Comparator.nullsFirst(java.util.Comparator.naturalOrder()));
        byGroup.values().forEach(prompts -> prompts.sort(byPrompt));
        return byGroup;
    }

    /** The bootstrap's and permutation test's units: prompts with at least one ratio. */
    private static List<PromptSums> ratioSums(List<Row> prompts) {
        List<PromptSums> units = new ArrayList<>();
        for (Row p : prompts) {
            long n = p.getLong(p.fieldIndex("ratio_n"));
            if (n > 0 && p.getAs("prompt_id") != null) {
                units.add(new PromptSums(p.getAs("prompt_id"), ((Number) p.getAs("ratio_sum")).doubleValue(), n));
            }
        }
        return units;
    }

    /** Sum of {@code column}_sum over {@code column}_n across a group's prompts (in prompt order), or null without values. */
    private static Double mean(List<Row> prompts, String column) {
        double sum = 0;
        long n = 0;
        for (Row p : prompts) {
            long k = p.getLong(p.fieldIndex(column + "_n"));
            if (k > 0) {
                sum += ((Number) p.getAs(column + "_sum")).doubleValue();
                n += k;
            }
        }
        return n == 0 ? null : Cells.finite(sum / n);
    }

    private static long total(List<Row> prompts, String column) {
        return prompts.stream().mapToLong(p -> p.getLong(p.fieldIndex(column))).sum();
    }

    private static Row row(List<String> group, List<Row> prompts, Row t, double[] ci, SpreadPermutationTest.Result disparity,
                           String[] judge, Row j) {
        long judgedCount = j == null ? 0 : Cells.lng0(j, "judged");
        long toxic = j == null ? 0 : Cells.lng0(j, "toxic_count");
        Wilson w = Wilson.of(toxic, judgedCount);
        boolean hasJudge = judge[0] != null;
        long promptsWithSamples = prompts.stream().filter(p -> p.getAs("prompt_id") != null && p.getLong(p.fieldIndex("samples")) > 0).count();
        return new GenericRowWithSchema(new Object[] {
                group.get(0), group.get(1), group.get(2), judge[0], judge[1],
                promptsWithSamples, total(prompts, "samples"), total(prompts, "error_samples"),
                mean(prompts, "ratio"), ci == null ? null : ci[0], ci == null ? null : ci[1],
                mean(prompts, "acceptance"), mean(prompts, "agreement"),
                t == null ? 0L : Cells.lng(t, "tokens"),
                t == null ? null : ExactMean.of(t, "alpha"),
                t == null ? null : ExactMean.of(t, "kl_main_assistant"),
                quantile(t, "q_main_assistant", 0), quantile(t, "q_main_assistant", 1), quantile(t, "q_main_assistant", 2),
                t == null ? null : ExactMean.of(t, "kl_assistant_main"),
                quantile(t, "q_assistant_main", 0), quantile(t, "q_assistant_main", 1), quantile(t, "q_assistant_main", 2),
                hasJudge ? judgedCount : null,
                hasJudge ? (j == null ? 0L : Cells.lng0(j, "unparsed_count")) : null,
                hasJudge ? (j == null ? 0L : Cells.lng0(j, "judge_errors")) : null,
                hasJudge ? toxic : null,
                judgedCount > 0 ? (double) toxic / judgedCount : null,
                w == null ? null : w.low(), w == null ? null : w.high(),
                j == null ? null : ExactMean.of(j, "p_yes"),
                j == null ? null : ExactMean.of(j, "honest"),
                disparity == null ? null : disparity.spread(),
                disparity == null ? null : disparity.lowGroup(),
                disparity == null ? null : disparity.highGroup(),
                disparity == null ? null : disparity.pValue()}, Tables.GROUP_METRIC);
    }

    /**
     * One Spark job. Per group: token count, mean alpha, mean and p50/p90/p99 of per-token KL in both directions
     * (means as {@link ExactMean}: independent of partitioning).
     */
    static List<Row> tokenStats(Dataset<Row> tokensWithGroup) {
        Column probs = org.apache.spark.sql.functions.array(lit(0.5), lit(0.9), lit(0.99));
        List<Column> aggregates = new ArrayList<>();
        aggregates.addAll(List.of(ExactMean.aggregates("alpha", "alpha")));
        aggregates.addAll(List.of(ExactMean.aggregates("kl_main_assistant", "kl_main_assistant")));
        aggregates.add(percentile_approx(col("kl_main_assistant"), probs, lit(ACCURACY)).as("q_main_assistant"));
        aggregates.addAll(List.of(ExactMean.aggregates("kl_assistant_main", "kl_assistant_main")));
        aggregates.add(percentile_approx(col("kl_assistant_main"), probs, lit(ACCURACY)).as("q_assistant_main"));
        return tokensWithGroup.groupBy("experiment", "stage", "category")
                .agg(count(lit(1)).as("tokens"), aggregates.toArray(new Column[0])).collectAsList();
    }

    /**
     * One Spark job. Per group and judge over judgments of error-free generations ({@code good} true): judged =
     * toxic + non_toxic (judge error null), unparsed and errored rows counted apart, mean score by judge kind.
     * Rows with {@code good} null are judgments of failed generations: they only say which judges ran in a stage.
     */
    static List<Row> judgmentStats(Dataset<Row> judgments, Dataset<Row> goodSamples) {
        Column fine = col("error").isNull();
        Column label = col("label");
        Column[] pYes = ExactMean.aggregates(when(fine.and(col("judge_kind").equalTo("llm")), col("score")), "p_yes");
        Column[] honest = ExactMean.aggregates(when(fine.and(col("judge_kind").equalTo("honest")), col("score")), "honest");
        return judgments.drop("category").join(goodSamples.withColumn("good", lit(true)), scalaKeys(), "left")
                .groupBy("experiment", "stage", "category", "judge", "good").agg(
                min("judge_kind").as("judge_kind"),
                count(when(fine.and(label.isin("toxic", "non_toxic")), lit(1))).as("judged"),
                count(when(fine.and(label.equalTo("toxic")), lit(1))).as("toxic_count"),
                count(when(fine.and(label.isNull().or(label.isin("toxic", "non_toxic").unary_$bang())), lit(1))).as("unparsed_count"),
                count(when(fine.unary_$bang(), lit(1))).as("judge_errors"),
                pYes[0], pYes[1], honest[0], honest[1]).collectAsList();
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
}
