package org.specfair.aggregate;

import org.specfair.tables.Tables;

import org.apache.commons.math3.random.Well19937c;
import org.apache.commons.math3.stat.inference.KolmogorovSmirnovTest;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.stat.ChiSquareTest;
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

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.xxhash64;

/**
 * {@code significance}: one row per test, with Holm-corrected p-values next to the raw ones (the family is
 * one test kind within one experiment).
 * <ul>
 *   <li>{@code ks_kl}: per stage pair and category, two-sample Kolmogorov-Smirnov of per-token KL(P||Q) before vs
 *       after (commons-math3: MLlib's KS is one-sample only). Above {@value #KS_MAX_VALUES} tokens a side is
 *       thinned by a hash of the token's key (reproducible, independent of partitioning), said in {@code note}.</li>
 *   <li>{@code chi_square_toxicity}: per stage and judge, Pearson chi-square of toxic/non_toxic against category
 *       (MLlib ChiSquareTest; df = groups - 1).</li>
 *   <li>{@code permutation_ratio_spread}: per stage, the ratio disparity's permutation test (see group_metrics).</li>
 * </ul>
 */
public final class Significance {
    static final int KS_MAX_VALUES = 20_000;
    private static final long HASH_BUCKETS = 1_000_000L;

    private Significance() {}

    public static Dataset<Row> compute(SparkSession spark, AggregateInputs in, List<StagePair> pairs, Dataset<Row> groupMetrics) {
        List<Object[]> tests = new ArrayList<>();
        in.tokens().ifPresent(tokens -> tests.addAll(ks(in, tokens, pairs)));
        in.judgments().ifPresent(j -> tests.addAll(chiSquare(in, j)));
        for (Row r : groupMetrics.select("experiment", "stage", "ratio_disparity", "disparity_p_value", "prompts")
                .groupBy("experiment", "stage").agg(org.apache.spark.sql.functions.first("ratio_disparity").as("spread"),
                        org.apache.spark.sql.functions.first("disparity_p_value").as("p"),
                        org.apache.spark.sql.functions.sum("prompts").as("prompts"))
                .orderBy("experiment", "stage").collectAsList()) {
            Double p = Cells.dbl(r, "p");
            tests.add(new Object[] {r.getAs("experiment"), "permutation_ratio_spread", "mean_ratio", null, r.getAs("stage"), null, null,
                    Cells.dbl(r, "spread"), null, Cells.lng(r, "prompts"), null, p,
                    p == null ? "fewer than two groups" : SpreadPermutationTest.PERMUTATIONS + " permutations of prompts"});
        }
        return spark.createDataFrame(withHolm(tests), Tables.SIGNIFICANCE_TEST);
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

    static List<Object[]> ks(AggregateInputs in, Dataset<Row> tokens, List<StagePair> pairs) {
        Dataset<Row> withGroup = tokens.join(in.goodSamples(), GroupMetrics.scalaKeys())
                .filter(col("kl_main_assistant").isNotNull().and(org.apache.spark.sql.functions.isnan(col("kl_main_assistant")).unary_$bang()));
        Map<List<String>, Long> sizes = new HashMap<>();
        for (Row r : withGroup.groupBy("experiment", "stage", "category").count().collectAsList()) {
            sizes.put(GroupMetrics.key(r, "experiment", "stage", "category"), r.getLong(r.fieldIndex("count")));
        }
        List<Object[]> out = new ArrayList<>();
        for (StagePair p : pairs) {
            Map<String, List<Double>> before = values(withGroup, sizes, p.experiment(), p.before());
            Map<String, List<Double>> after = values(withGroup, sizes, p.experiment(), p.after());
            for (String category : new java.util.TreeSet<>(before.keySet())) {
                if (!after.containsKey(category)) {
                    continue;
                }
                double[] x = before.get(category).stream().mapToDouble(Double::doubleValue).toArray();
                double[] y = after.get(category).stream().mapToDouble(Double::doubleValue).toArray();
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

    /** One stage's KL values per category, each category thinned to about KS_MAX_VALUES by a hash of the token key. */
    private static Map<String, List<Double>> values(Dataset<Row> withGroup, Map<List<String>, Long> sizes, String experiment, String stage) {
        Column keep = lit(true);
        Column hash = pmod(xxhash64(col("run_id"), col("prompt_id"), col("sample_index"), col("position")), lit(HASH_BUCKETS));
        for (Map.Entry<List<String>, Long> e : sizes.entrySet()) {
            if (e.getKey().get(0).equals(experiment) && e.getKey().get(1).equals(stage) && e.getValue() > KS_MAX_VALUES) {
                long buckets = HASH_BUCKETS * KS_MAX_VALUES / e.getValue();
                keep = when(col("category").equalTo(e.getKey().get(2)), hash.lt(buckets)).otherwise(keep);
            }
        }
        Map<String, List<Double>> out = new TreeMap<>();
        for (Row r : withGroup.filter(col("experiment").equalTo(experiment).and(col("stage").equalTo(stage)).and(keep))
                .select("category", "kl_main_assistant").collectAsList()) {
            if (r.get(0) != null) {
                out.computeIfAbsent(r.getString(0), k -> new ArrayList<>()).add(r.getDouble(1));
            }
        }
        return out;
    }

    static List<Object[]> chiSquare(AggregateInputs in, Dataset<Row> judgments) {
        Dataset<Row> judged = judgments.drop("category").join(in.goodSamples(), GroupMetrics.scalaKeys())
                .filter(col("error").isNull().and(col("label").isin("toxic", "non_toxic")).and(col("category").isNotNull()))
                .select(col("experiment"), col("stage"), col("judge"), col("category"),
                        when(col("label").equalTo("toxic"), lit(1.0)).otherwise(lit(0.0)).as("toxic"));
        List<Object[]> out = new ArrayList<>();
        List<Row> cells = judged.groupBy("experiment", "stage", "judge").agg(count(lit(1)).as("n"),
                        org.apache.spark.sql.functions.sum("toxic").as("toxic"),
                        org.apache.spark.sql.functions.array_sort(org.apache.spark.sql.functions.collect_set("category")).as("categories"))
                .orderBy("experiment", "stage", "judge").collectAsList();
        for (Row c : cells) {
            String experiment = c.getAs("experiment");
            String stage = c.getAs("stage");
            String judge = c.getAs("judge");
            long n = c.getLong(c.fieldIndex("n"));
            double toxic = c.getDouble(c.fieldIndex("toxic"));
            List<String> categories = c.getList(c.fieldIndex("categories"));
            long groups = categories.size();
            if (groups < 2 || toxic == 0 || toxic == n) {
                out.add(new Object[] {experiment, "chi_square_toxicity", "toxic", null, stage, null, judge, null, null, n, null, null,
                        groups < 2 ? "fewer than two groups" : toxic == 0 ? "no toxic label" : "every label toxic"});
                continue;
            }
            Dataset<Row> one = judged.filter(col("experiment").equalTo(experiment).and(col("stage").equalTo(stage)).and(col("judge").equalTo(judge)));
            Column index = lit(-1.0);
            for (int i = categories.size() - 1; i >= 0; i--) {
                index = when(col("category").equalTo(categories.get(i)), lit((double) i)).otherwise(index);
            }
            Dataset<Row> features = new VectorAssembler().setInputCols(new String[] {"group_index"}).setOutputCol("features")
                    .transform(one.withColumn("group_index", index));
            Row result = ChiSquareTest.test(features, "features", "toxic").head();
            double p = ((Vector) result.getAs("pValues")).apply(0);
            double statistic = ((Vector) result.getAs("statistics")).apply(0);
            int df = ((Number) result.getList(result.fieldIndex("degreesOfFreedom")).get(0)).intValue();
            out.add(new Object[] {experiment, "chi_square_toxicity", "toxic", null, stage, null, judge, Cells.finite(statistic), df,
                    n, null, Cells.finite(p), groups + " groups"});
        }
        return out;
    }
}
