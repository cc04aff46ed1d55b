package org.specfair.judge;

import org.specfair.tables.TableStore;
import org.specfair.tables.Tables;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** Kappa and flip rates on hand-built tables whose answers are known. */
@Tag("slow")
class ReliabilityTest {
    static SparkSession spark;

    @BeforeAll
    static void start() {
        spark = SparkSession.builder().master("local[2]").appName("ReliabilityTest").config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", "2").getOrCreate();
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    static Row judgment(String judge, int sample, String label, String error) {
        return RowFactory.create("exp", "base", "r", "p" + sample, 0, judge, "id-" + judge, "llm", "m", "code",
                label, null, null, null, null, null, error);
    }

    static Row twin(String judge, int sample, String category, String original, String swapped) {
        return RowFactory.create("exp", "base", "r", "p" + sample, 0, judge, "id-" + judge, "llm", "m", "code", category,
                "swapped text", original, swapped, null, null, swapped == null ? null : !original.equals(swapped),
                swapped == null ? "judge failed" : null);
    }

    @Test
    void knownKappaAndFlipRates(@TempDir Path tmp) {
        String root = tmp.toString();
        // Judges a and b on 50 samples: 20 both toxic, 5 only a, 10 only b, 15 neither -> kappa 0.4 (p_o 0.7, p_e 0.5).
        // Sample 50 is unparsed for b and sample 51 an error for a: left out of the agreement. Judge c labels 10 samples.
        List<Row> j = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            boolean a = i < 25;
            boolean b = i < 20 || (i >= 25 && i < 35);
            j.add(judgment("a", i, a ? Label.TOXIC : Label.NON_TOXIC, null));
            j.add(judgment("b", i, b ? Label.TOXIC : Label.NON_TOXIC, null));
        }
        j.add(judgment("a", 50, Label.TOXIC, null));
        j.add(judgment("b", 50, Label.UNPARSED, null));
        j.add(judgment("a", 51, null, "generation failed"));
        j.add(judgment("b", 51, Label.TOXIC, null));
        for (int i = 0; i < 10; i++) {
            j.add(judgment("c", i, Label.TOXIC, null)); // all toxic on samples a and b also call toxic
        }
        TableStore.overwritePartitions(spark.createDataFrame(j, Tables.JUDGMENT), root, Tables.JUDGMENTS, Tables.JUDGE_PARTITION_COLUMNS);
        // Counterfactuals for judge a: female 4 samples, 1 flip toxic->non_toxic; male 5 samples, 2 flips non_toxic->toxic;
        // one twin that failed (not counted).
        List<Row> cf = new ArrayList<>();
        cf.add(twin("a", 0, "female", Label.TOXIC, Label.NON_TOXIC));
        cf.add(twin("a", 1, "female", Label.TOXIC, Label.TOXIC));
        cf.add(twin("a", 2, "female", Label.NON_TOXIC, Label.NON_TOXIC));
        cf.add(twin("a", 3, "female", Label.NON_TOXIC, Label.NON_TOXIC));
        cf.add(twin("a", 4, "male", Label.NON_TOXIC, Label.TOXIC));
        cf.add(twin("a", 5, "male", Label.NON_TOXIC, Label.TOXIC));
        cf.add(twin("a", 6, "male", Label.TOXIC, Label.TOXIC));
        cf.add(twin("a", 7, "male", Label.TOXIC, Label.TOXIC));
        cf.add(twin("a", 8, "male", Label.TOXIC, Label.TOXIC));
        cf.add(twin("a", 9, "male", Label.TOXIC, null));
        TableStore.overwritePartitions(spark.createDataFrame(cf, Tables.COUNTERFACTUAL), root, Tables.COUNTERFACTUALS, Tables.JUDGE_PARTITION_COLUMNS);

        Reliability.Summary s = Reliability.run(spark, root, "exp");
        assertEquals(3, s.agreementRows());
        Row ab = TableStore.read(spark, root, Tables.JUDGE_AGREEMENT).filter(col("judge_a").equalTo("a").and(col("judge_b").equalTo("b"))).first();
        assertEquals(50L, (long) ab.getAs("n"));
        assertEquals(20L, (long) ab.getAs("both_toxic"));
        assertEquals(5L, (long) ab.getAs("a_only_toxic"));
        assertEquals(10L, (long) ab.getAs("b_only_toxic"));
        assertEquals(15L, (long) ab.getAs("both_non_toxic"));
        assertEquals(0.4, (double) ab.getAs("kappa"), 1e-12);
        assertEquals(0.4 - 1.96 * Math.sqrt(0.7 * 0.3 / 12.5), (double) ab.getAs("kappa_ci_low"), 1e-3);
        assertEquals("base", ab.getAs("stage"));
        Row ac = TableStore.read(spark, root, Tables.JUDGE_AGREEMENT).filter(col("judge_a").equalTo("a").and(col("judge_b").equalTo("c"))).first();
        assertEquals(10L, (long) ac.getAs("n"));
        assertNull(ac.getAs("kappa"), "both judges said toxic to all 10: kappa undefined, not 1");

        List<Row> flips = TableStore.read(spark, root, Tables.COUNTERFACTUAL_FLIPS).orderBy("category").collectAsList();
        assertEquals(3, flips.size());
        check(flips.get(0), "all", 9, 3, 1, 2);
        check(flips.get(1), "female", 4, 1, 1, 0);
        check(flips.get(2), "male", 5, 2, 0, 2);
    }

    static void check(Row r, String category, long n, long flips, long toxicToNon, long nonToToxic) {
        assertEquals(category, r.getAs("category"));
        assertEquals(n, (long) r.getAs("n"));
        assertEquals(flips, (long) r.getAs("flips"));
        assertEquals((double) flips / n, (double) r.getAs("flip_rate"), 1e-12);
        assertEquals(toxicToNon, (long) r.getAs("toxic_to_non_toxic"));
        assertEquals(nonToToxic, (long) r.getAs("non_toxic_to_toxic"));
    }
}
