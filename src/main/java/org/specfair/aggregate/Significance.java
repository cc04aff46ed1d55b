package org.specfair.aggregate;

import org.apache.commons.math3.random.Well19937c;
import org.apache.commons.math3.stat.inference.KolmogorovSmirnovTest;
import org.apache.spark.mllib.linalg.Matrices;
import org.apache.spark.mllib.stat.Statistics;
import org.apache.spark.mllib.stat.test.ChiSqTestResult;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.xxhash64;

/**
 * {@code significance}: one row per test, with Holm-corrected p-values next to the raw ones (the family is
 * one test kind within one experiment).
 * <ul>
 *   <li>{@code ks_kl}: per stage pair and category, two-sample Kolmogorov-Smirnov of per-token KL(P||Q) before vs
 *       after (commons-math3: MLlib's KS is one-sample only), exact statistic on the values' sorted arrays. Above
 *       {@value #KS_MAX_VALUES} tokens a side is thinned by a hash of the token's key to about that many
 *       (reproducible, independent of partitioning), said in {@code note}: the statistic is then the one of the two
 *       thinned samples, within sqrt(ln(2/0.05) / (2 n)) = 0.0096 (n = 20,000) of the full sample's on each side with
 *       95% probability (Dvoretzky-Kiefer-Wolfowitz), and the p-value is the thinned samples' (less power, not
 *       optimism).</li>
 *   <li>{@code chi_square_toxicity}: per stage and judge, Pearson chi-square of toxic/non_toxic against category
 *       (MLlib {@code Statistics.chiSqTest} on the category x label counts of group_metrics; df = groups - 1).</li>
 *   <li>{@code permutation_ratio_spread}: per stage, the ratio disparity's permutation test (see group_metrics).</li>
 * </ul>
 * Two Spark jobs (the KS sizes, then the KS values of every group at once); the other tests reuse group_metrics.
 */
public final class Significance {
    static final int KS_MAX_VALUES = 20_000;
    private static final long HASH_BUCKETS = 1_000_000L;

    private Significance() {}

    /** @param groupMetrics {@link GroupMetrics#compute}'s rows */
    public static List<Row> compute(AggregateInputs in, List<StagePair> pairs, List<Row> groupMetrics) {
        List<Object[]> tests = new ArrayList<>();
        in.tokens().ifPresent(tokens -> tests.addAll(ks(tokens, pairs)));
        tests.addAll(chiSquare(groupMetrics));
        tests.addAll(spreadPermutation(groupMetrics));
        return withHolm(tests);
    }

    /** One row per stage, from its group_metrics rows (prompts summed once per category, not once per judge). */
    static List<Object[]> spreadPermutation(List<Row> groupMetrics) {
        Map<List<String>, Row> firstRow = new TreeMap<>(GroupMetrics::compareKeys);
        Map<List<String>, Map<String, Long>> prompts = new TreeMap<>(GroupMetrics::compareKeys);
        for (Row r : groupMetrics) {
            List<String> stage = GroupMetrics.key(r, "experiment", "stage");
            firstRow.putIfAbsent(stage, r);
            prompts.computeIfAbsent(stage, k -> new HashMap<>()).put(r.getAs("category"), Cells.lng0(r, "prompts"));
        }
        List<Object[]> out = new ArrayList<>();
        firstRow.forEach((stage, r) -> {
            Double p = Cells.dbl(r, "disparity_p_value");
            out.add(new Object[] {stage.get(0), "permutation_ratio_spread", "mean_ratio", null, stage.get(1), null, null,
                    Cells.dbl(r, "ratio_disparity"), null, prompts.get(stage).values().stream().mapToLong(Long::longValue).sum(), null, p,
                    p == null ? "fewer than two groups" : SpreadPermutationTest.PERMUTATIONS + " permutations of prompts"});
        });
        return out;
    }

    /** Adds p_holm per (experiment, test) family; input rows lack it (13 fields, p_value at 11). */
    static List<Row> withHolm(List<Object[]> tests) {
        Map<List<String>, List<Integer>> families = new TreeMap<>(GroupMetrics::compareKeys);
        for (int i = 0; i < tests.size(); i++) {
            families.computeIfAbsent(List.of((String) tests.get(i)[0], (String) tests.get(i)[1]), k -> new ArrayList<>()).add(i);
        }
        Double[] holm = new Double[tests.size()];
        families.values().forEach(idx -> {
            Double[] adjusted = Holm.adjust(idx.stream().map(i -> (Double) tests.get(i)[11]).toArray(Double[]::new));
            for (int k = 0; k < idx.size(); k++) {
                holm[idx.get(k)] = adjusted[k];
            }
        });
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < tests.size(); i++) {
            Object[] t = tests.get(i);
            rows.add(RowFactory.create(t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7], t[8], t[9], t[10], t[11], holm[i], t[12]));
        }
        return rows;
    }

    static List<Object[]> ks(Dataset<Row> tokens, List<StagePair> pairs) {
        Dataset<Row> finite = tokens.filter(col("category").isNotNull().and(col("kl_main_assistant").isNotNull())
                .and(org.apache.spark.sql.functions.isnan(col("kl_main_assistant")).unary_$bang()));
        Map<List<String>, Long> sizes = new HashMap<>();
        for (Row r : finite.groupBy("experiment", "stage", "category").count().collectAsList()) {
            sizes.put(GroupMetrics.key(r, "experiment", "stage", "category"), r.getLong(r.fieldIndex("count")));
        }
        Map<List<String>, double[]> values = values(finite, sizes, pairs);
        List<Object[]> out = new ArrayList<>();
        for (StagePair p : pairs) {
            java.util.SortedSet<String> categories = new java.util.TreeSet<>();
            values.keySet().stream().filter(k -> k.get(0).equals(p.experiment()) && k.get(1).equals(p.before())).forEach(k -> categories.add(k.get(2)));
            for (String category : categories) {
                double[] x = values.get(List.of(p.experiment(), p.before(), category));
                double[] y = values.get(List.of(p.experiment(), p.after(), category));
                if (y == null) {
                    continue;
                }
                if (x.length < 2 || y.length < 2) {
                    out.add(new Object[] {p.experiment(), "ks_kl", "kl_main_assistant", p.before(), p.after(), category, null,
                            null, null, (long) x.length, (long) y.length, null, "fewer than 2 tokens on a side"});
                    continue;
                }
                KolmogorovSmirnovTest test = new KolmogorovSmirnovTest(new Well19937c(Bootstrap.seedOf(GroupMetrics.SEED, p.label(), category)));
                long nBefore = sizes.get(List.of(p.experiment(), p.before(), category));
                long nAfter = sizes.get(List.of(p.experiment(), p.after(), category));
                String note = nBefore > x.length || nAfter > y.length
                        ? "thinned to " + x.length + " of " + nBefore + " and " + y.length + " of " + nAfter + " tokens" : null;
                out.add(new Object[] {p.experiment(), "ks_kl", "kl_main_assistant", p.before(), p.after(), category, null,
                        test.kolmogorovSmirnovStatistic(x, y), null, (long) x.length, (long) y.length,
                        Cells.finite(test.kolmogorovSmirnovTest(x, y)), note});
            }
        }
        return out;
    }

    /**
     * One Spark job: the KL values of every (experiment, stage, category) that a pair compares, each group thinned to
     * about KS_MAX_VALUES by a hash of the token key; sorted, so the test never sees Spark's row order.
     */
    private static Map<List<String>, double[]> values(Dataset<Row> finite, Map<List<String>, Long> sizes, List<StagePair> pairs) {
        Column hash = pmod(xxhash64(col("run_id"), col("prompt_id"), col("sample_index"), col("position")), lit(HASH_BUCKETS));
        Column keep = lit(true);
        Column compared = lit(false);
        for (StagePair p : pairs) {
            for (String stage : List.of(p.before(), p.after())) {
                compared = compared.or(col("experiment").equalTo(p.experiment()).and(col("stage").equalTo(stage)));
            }
        }
        Map<List<String>, Long> ordered = new TreeMap<>(GroupMetrics::compareKeys);
        ordered.putAll(sizes);
        for (Map.Entry<List<String>, Long> e : ordered.entrySet()) {
            if (e.getValue() > KS_MAX_VALUES) {
                long buckets = HASH_BUCKETS * KS_MAX_VALUES / e.getValue();
                keep = when(col("experiment").equalTo(e.getKey().get(0)).and(col("stage").equalTo(e.getKey().get(1)))
                        .and(col("category").equalTo(e.getKey().get(2))), hash.lt(buckets)).otherwise(keep);
            }
        }
        Map<List<String>, double[]> out = new HashMap<>();
        if (pairs.isEmpty()) {
            return out;
        }
        for (Row r : finite.filter(compared.and(keep)).groupBy("experiment", "stage", "category")
                .agg(org.apache.spark.sql.functions.collect_list("kl_main_assistant").as("kl")).collectAsList()) {
            double[] v = r.<Double>getList(r.fieldIndex("kl")).stream().mapToDouble(Double::doubleValue).toArray();
            java.util.Arrays.sort(v);
            out.put(GroupMetrics.key(r, "experiment", "stage", "category"), v);
        }
        return out;
    }

    /**
     * Per experiment, stage and judge: the category x (non_toxic, toxic) counts of group_metrics (judged rows only,
     * groups without a judged sample left out), tested with MLlib's Pearson chi-square on the matrix.
     */
    static List<Object[]> chiSquare(List<Row> groupMetrics) {
        Map<List<String>, List<Row>> cells = new TreeMap<>(GroupMetrics::compareKeys);
        for (Row r : groupMetrics) {
            if (r.getAs("judge") != null && r.getAs("category") != null && Cells.lng0(r, "judged") > 0) {
                cells.computeIfAbsent(GroupMetrics.key(r, "experiment", "stage", "judge"), k -> new ArrayList<>()).add(r);
            }
        }
        List<Object[]> out = new ArrayList<>();
        cells.forEach((key, groups) -> {
            String experiment = key.get(0);
            String stage = key.get(1);
            String judge = key.get(2);
            long n = groups.stream().mapToLong(r -> Cells.lng0(r, "judged")).sum();
            long toxic = groups.stream().mapToLong(r -> Cells.lng0(r, "toxic_count")).sum();
            if (groups.size() < 2 || toxic == 0 || toxic == n) {
                out.add(new Object[] {experiment, "chi_square_toxicity", "toxic", null, stage, null, judge, null, null, n, null, null,
                        groups.size() < 2 ? "fewer than two groups" : toxic == 0 ? "no toxic label" : "every label toxic"});
                return;
            }
            double[] counts = new double[groups.size() * 2];  // column-major: non_toxic column, then toxic column
            for (int g = 0; g < groups.size(); g++) {
                long judged = Cells.lng0(groups.get(g), "judged");
                long t = Cells.lng0(groups.get(g), "toxic_count");
                counts[g] = judged - t;
                counts[groups.size() + g] = t;
            }
            ChiSqTestResult result = Statistics.chiSqTest(Matrices.dense(groups.size(), 2, counts));
            out.add(new Object[] {experiment, "chi_square_toxicity", "toxic", null, stage, null, judge, Cells.finite(result.statistic()),
                    result.degreesOfFreedom(), n, null, Cells.finite(result.pValue()), groups.size() + " groups"});
        });
        return out;
    }
}
