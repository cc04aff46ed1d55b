package org.specfair.aggregate;

import org.specfair.spark.TestSpark;
import org.specfair.tables.TableStore;
import org.specfair.tables.Tables;

import org.apache.commons.math3.distribution.ChiSquaredDistribution;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** AggregateJob on {@link HandTables}: every expected number below is worked out by hand in the comments. */
class AggregateJobTest {
    static SparkSession spark;
    static String root;
    static final double EPS = 1e-9;

    @BeforeAll
    static void start(@TempDir Path dir) {
        spark = TestSpark.local("AggregateJobTest", 3);
        root = dir.resolve("out").toString();
        HandTables.build().write(spark, root, true);
        AggregateJob.Summary s = AggregateJob.run(spark, root, null);
        assertEquals(List.of("e"), s.experiments());
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    static Row one(String table, String where) {
        List<Row> rows = TableStore.read(spark, root, table).where(where).collectAsList();
        assertEquals(1, rows.size(), table + " where " + where + ": " + rows);
        return rows.get(0);
    }

    static double d(Row r, String column) {
        return ((Number) r.getAs(column)).doubleValue();
    }

    @Test
    void ratiosWithPromptBootstrapAndDisparity() {
        Row female = one(Tables.GROUP_METRICS, "stage = 'base' AND category = 'female' AND judge = 'tulu'");
        assertEquals(2L, (long) female.getAs("prompts"));
        assertEquals(3L, (long) female.getAs("samples"));
        assertEquals((0.5 + 0.3 + 0.4) / 3, d(female, "mean_ratio"), EPS);
        assertEquals((0.6 + 0.4 + 0.5) / 3, d(female, "mean_acceptance_rate"), EPS);
        // Prompts f1 (0.5 + 0.3, 2 samples) and f2 (0.4): resamples give 0.4 (f2 twice), 0.4 (f1 + f2), 0.4 (f1 twice).
        assertEquals(0.4, d(female, "ratio_ci_low"), EPS);
        assertEquals(0.4, d(female, "ratio_ci_high"), EPS);
        // Male prompts 0.8 and 0.6: each extreme has probability 1/4, so the 2.5% and 97.5% points are the extremes.
        Row male = one(Tables.GROUP_METRICS, "stage = 'base' AND category = 'male' AND judge = 'tulu'");
        assertEquals(0.7, d(male, "mean_ratio"), EPS);
        assertEquals(0.6, d(male, "ratio_ci_low"), EPS);
        assertEquals(0.8, d(male, "ratio_ci_high"), EPS);
        // Queer: q2 failed (counted, left out), q1 alone.
        Row queer = one(Tables.GROUP_METRICS, "stage = 'base' AND category = 'queer' AND judge = 'tulu'");
        assertEquals(1L, (long) queer.getAs("samples"));
        assertEquals(1L, (long) queer.getAs("error_samples"));
        assertEquals(0.2, d(queer, "ratio_ci_low"), EPS);
        // Disparity base: male 0.7 - queer 0.2, on every row of the stage.
        for (Row r : TableStore.read(spark, root, Tables.GROUP_METRICS).where("stage = 'base'").collectAsList()) {
            assertEquals(0.5, d(r, "ratio_disparity"), EPS);
            assertEquals("queer", r.getAs("disparity_low_category"));
            assertEquals("male", r.getAs("disparity_high_category"));
            double p = d(r, "disparity_p_value");
            assertTrue(p > 0 && p <= 1, "p " + p);
        }
    }

    @Test
    void tokenKlMeansAndQuantiles() {
        Row female = one(Tables.GROUP_METRICS, "stage = 'base' AND category = 'female' AND judge = 'lex'");
        assertEquals(4L, (long) female.getAs("tokens"));
        assertEquals((0.1 + 0.3 + 0.2 + 0.4) / 4, d(female, "mean_kl_main_assistant"), EPS);
        assertEquals(2 * 0.25, d(female, "mean_kl_assistant_main"), EPS);
        // percentile_approx returns the smallest value with at least half the values at or below it.
        assertEquals(0.2, d(female, "kl_main_assistant_p50"), EPS);
        assertEquals(0.4, d(female, "kl_main_assistant_p99"), EPS);
        assertEquals(0.9, d(female, "mean_alpha"), EPS);
    }

    @Test
    void toxicityWithWilsonUnparsedAndErrors() {
        Row female = one(Tables.GROUP_METRICS, "stage = 'base' AND category = 'female' AND judge = 'tulu'");
        assertEquals(3L, (long) female.getAs("judged"));
        assertEquals(1L, (long) female.getAs("toxic_count"));
        assertEquals(1.0 / 3, d(female, "toxic_rate"), EPS);
        assertEquals((0.9 + 0.2 + 0.1) / 3, d(female, "mean_p_yes"), EPS);
        assertEquals("llm", female.getAs("judge_kind"));
        // m2 unparsed: counted, not in the rate.
        Row male = one(Tables.GROUP_METRICS, "stage = 'base' AND category = 'male' AND judge = 'tulu'");
        assertEquals(1L, (long) male.getAs("judged"));
        assertEquals(1L, (long) male.getAs("unparsed_count"));
        assertEquals(1.0, d(male, "toxic_rate"), EPS);
        // A group with no toxic completion: rate 0, Wilson [0, z^2 / (1 + z^2)] for n = 1.
        Row queer = one(Tables.GROUP_METRICS, "stage = 'base' AND category = 'queer' AND judge = 'tulu'");
        assertEquals(0L, (long) queer.getAs("toxic_count"));
        assertEquals(0.0, d(queer, "toxic_rate"), EPS);
        double z2 = Wilson.Z95 * Wilson.Z95;
        assertEquals(0.0, d(queer, "toxic_ci_low"), EPS);
        assertEquals(z2 / (1 + z2), d(queer, "toxic_ci_high"), 1e-12);
        // ft queer: only an unparsed answer -> nothing judged, rate null (not NaN).
        Row queerFt = one(Tables.GROUP_METRICS, "stage = 'ft' AND category = 'queer' AND judge = 'tulu'");
        assertEquals(0L, (long) queerFt.getAs("judged"));
        assertEquals(1L, (long) queerFt.getAs("unparsed_count"));
        assertNull(queerFt.getAs("toxic_rate"));
        // lex: HONEST score = share of hurtful completions; a judge error counted apart.
        Row lexFemale = one(Tables.GROUP_METRICS, "stage = 'base' AND category = 'female' AND judge = 'lex'");
        assertEquals(1.0 / 3, d(lexFemale, "honest_score"), EPS);
        assertNull(lexFemale.getAs("mean_p_yes"));
        Row lexQueerFt = one(Tables.GROUP_METRICS, "stage = 'ft' AND category = 'queer' AND judge = 'lex'");
        assertEquals(1L, (long) lexQueerFt.getAs("judge_errors"));
        assertEquals(0L, (long) lexQueerFt.getAs("judged"));
    }

    @Test
    void transitionsMatchSamplesAcrossStages() {
        String pair = "stage_before = 'base' AND stage_after = 'ft' AND judge = 'tulu'";
        Row flipDown = one(Tables.TRANSITIONS, pair + " AND category = 'female' AND transition = 'toxic->non_toxic'");
        assertEquals(1L, (long) flipDown.getAs("samples"));
        assertEquals(3L, (long) flipDown.getAs("matched"));
        assertEquals(1.0 / 3, d(flipDown, "share"), EPS);
        // f1/0: KL 0.1, 0.3 in base; 0.05 in ft.
        assertEquals(2L, (long) flipDown.getAs("tokens_before"));
        assertEquals(0.2, d(flipDown, "mean_kl_before"), EPS);
        assertEquals(0.05, d(flipDown, "mean_kl_after"), EPS);
        assertEquals(0.4, d(flipDown, "mean_kl_assistant_main_before"), EPS);
        assertEquals(1L, (long) one(Tables.TRANSITIONS, pair + " AND category = 'female' AND transition = 'non_toxic->toxic'").getAs("samples"));
        assertEquals(1L, (long) one(Tables.TRANSITIONS, pair + " AND category = 'female' AND transition = 'stayed_non_toxic'").getAs("samples"));
        Row stayed = one(Tables.TRANSITIONS, pair + " AND category = 'female' AND transition = 'stayed_toxic'");
        assertEquals(0L, (long) stayed.getAs("samples"));
        assertNull(stayed.getAs("mean_kl_before"));
        // Male: m1 stayed toxic; m2 missing after (only in base), m3 missing before (only in ft).
        Row male = one(Tables.TRANSITIONS, pair + " AND category = 'male' AND transition = 'stayed_toxic'");
        assertEquals(1L, (long) male.getAs("samples"));
        assertEquals(1L, (long) male.getAs("missing_after"));
        assertEquals(1L, (long) male.getAs("missing_before"));
        assertEquals(1.0, d(male, "share"), EPS);
        // Queer: q1 unparsed in ft -> excluded and counted; nothing matched, share null.
        Row queer = one(Tables.TRANSITIONS, pair + " AND category = 'queer' AND transition = 'stayed_non_toxic'");
        assertEquals(0L, (long) queer.getAs("matched"));
        assertEquals(1L, (long) queer.getAs("unparsed"));
        assertNull(queer.getAs("share"));
    }

    @Test
    void significanceByHand() {
        // tulu base: toxic/non-toxic female 1/2, male 1/0, queer 0/1 -> chi^2 = 2.2222 (df 2); ft: female 1/2, male 2/0 -> 2.2222 (df 1).
        Row base = one(Tables.SIGNIFICANCE, "test = 'chi_square_toxicity' AND stage = 'base' AND judge = 'tulu'");
        assertEquals(20.0 / 9, d(base, "statistic"), 1e-9);
        assertEquals(2, (int) base.getAs("df"));
        double pBase = 1 - new ChiSquaredDistribution(2).cumulativeProbability(20.0 / 9);
        assertEquals(pBase, d(base, "p_value"), 1e-9);
        Row ft = one(Tables.SIGNIFICANCE, "test = 'chi_square_toxicity' AND stage = 'ft' AND judge = 'tulu'");
        double pFt = 1 - new ChiSquaredDistribution(1).cumulativeProbability(20.0 / 9);
        assertEquals(pFt, d(ft, "p_value"), 1e-9);
        // lex base: female 1/2, male 0/2, queer 0/1 -> chi^2 = 1.2 (df 2); lex ft has no toxic label: no p-value.
        Row lex = one(Tables.SIGNIFICANCE, "test = 'chi_square_toxicity' AND stage = 'base' AND judge = 'lex'");
        assertEquals(1.2, d(lex, "statistic"), 1e-9);
        double pLex = 1 - new ChiSquaredDistribution(2).cumulativeProbability(1.2);
        Row lexFt = one(Tables.SIGNIFICANCE, "test = 'chi_square_toxicity' AND stage = 'ft' AND judge = 'lex'");
        assertNull(lexFt.getAs("p_value"));
        assertEquals("no toxic label", lexFt.getAs("note"));
        // Holm over the three p-values: smallest x3, then x2, then x1, kept monotone.
        assertEquals(Math.min(1, 3 * pFt), d(ft, "p_holm"), 1e-9);
        assertEquals(Math.max(3 * pFt, 2 * pBase), d(base, "p_holm"), 1e-9);
        assertEquals(Math.max(2 * pBase, pLex), d(lex, "p_holm"), 1e-9);
        // KS female KL: base {0.1, 0.2, 0.3, 0.4} vs ft {0.05, 0.1, 0.15}: largest CDF gap at 0.15, |1/4 - 1| = 0.75.
        Row ks = one(Tables.SIGNIFICANCE, "test = 'ks_kl' AND category = 'female'");
        assertEquals(0.75, d(ks, "statistic"), EPS);
        assertEquals(4L, (long) ks.getAs("n1"));
        assertEquals(3L, (long) ks.getAs("n2"));
        assertEquals("base", ks.getAs("stage_before"));
        assertEquals("ft", ks.getAs("stage"));
        assertEquals(2L, TableStore.read(spark, root, Tables.SIGNIFICANCE).where("test = 'permutation_ratio_spread'").count());
    }

    @Test
    void histogramsShareEdgesAndSplitDrafts() {
        Dataset<Row> dist = TableStore.read(spark, root, Tables.DISTRIBUTIONS);
        Row accepted = one(Tables.DISTRIBUTIONS, "figure = 'p_minus_q' AND transition = 'all' AND draft = 'accepted'");
        assertEquals(30, (int) accepted.getAs("bin"));  // (0.52 + 1) / 0.05 = 30.4
        assertEquals(0.5, d(accepted, "bin_low"), 1e-9);
        assertEquals(1.0, d(accepted, "share"), EPS);
        assertEquals(10, (int) one(Tables.DISTRIBUTIONS, "figure = 'p_minus_q' AND transition = 'all' AND draft = 'rejected'").getAs("bin"));
        // Female base tokens: 4 in the "all" histogram; shares of every histogram sum to 1.
        assertEquals(4L, dist.where("figure = 'kl_main_assistant' AND transition = 'all' AND stage = 'base' AND category = 'female'")
                .agg(org.apache.spark.sql.functions.sum("count")).head().getLong(0));
        for (Row r : dist.groupBy("figure", "stage", "stage_pair", "judge", "transition", "category", "draft")
                .agg(org.apache.spark.sql.functions.sum("share").as("s")).collectAsList()) {
            assertEquals(1.0, r.getDouble(r.fieldIndex("s")), 1e-9, r.toString());
        }
        // One set of edges per figure: every KL(P||Q) histogram has the same bin width.
        assertEquals(1L, dist.where("figure = 'kl_main_assistant'").selectExpr("round(bin_high - bin_low, 12)").distinct().count());
        // Transition classes are histogrammed for both sides of the pair.
        assertEquals(1L, dist.where("figure = 'kl_main_assistant' AND judge = 'tulu' AND transition = 'toxic->non_toxic' AND stage = 'ft'")
                .agg(org.apache.spark.sql.functions.sum("count")).head().getLong(0));
    }

    @Test
    void noNaNAnywhere() {
        for (String table : List.of(Tables.GROUP_METRICS, Tables.TRANSITIONS, Tables.DISTRIBUTIONS, Tables.SIGNIFICANCE)) {
            Dataset<Row> t = TableStore.read(spark, root, table);
            for (StructField f : t.schema().fields()) {
                if (f.dataType().equals(DataTypes.DoubleType)) {
                    assertEquals(0L, t.where("isnan(" + f.name() + ")").count(), table + "." + f.name() + " has NaN");
                }
            }
            assertFalse(t.isEmpty(), table);
        }
    }

    @Test
    void withoutJudgmentsToxicityIsNullAndTransitionsAbsent(@TempDir Path dir) {
        String bare = dir.resolve("bare").toString();
        HandTables.build().write(spark, bare, false);
        AggregateJob.Summary s = AggregateJob.run(spark, bare, "e");
        assertEquals(0, s.transitionRows());
        Row female = TableStore.read(spark, bare, Tables.GROUP_METRICS).where("stage = 'base' AND category = 'female'").head();
        assertNull(female.getAs("judge"));
        assertNull(female.getAs("toxic_rate"));
        assertFalse(TableStore.exists(spark, bare, Tables.TRANSITIONS));
    }

    @Test
    void missingGenerationsIsAOneLineError(@TempDir Path dir) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AggregateJob.run(spark, dir.toString(), null));
        assertTrue(e.getMessage().contains("generations"), e.getMessage());
    }
}
