package org.specfair.generate;

import org.specfair.decode.DecodeConfig;
import org.specfair.decode.Mode;
import org.specfair.lm.Golden;
import org.specfair.prompts.Prompt;
import org.specfair.tables.TableViews;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Incremental reruns in the situations that used to break them: modes that do not write every table,
 * number- and date-like partition names, and a crash between the three table writes.
 * The session is built without SpecFair's Sessions, so partition type inference is Spark's default (on):
 * the tables must read back the values as written anyway.
 */
@Tag("slow")
class GenerateJobRerunTest {
    static SparkSession spark;

    @BeforeAll
    static void start() {
        spark = SparkSession.builder().master("local[2]").appName("GenerateJobRerunTest")
                .config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", "2")
                .getOrCreate();
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    @AfterEach
    void noCrash() {
        GenerateJob.afterTableWrite = table -> { };
    }

    static GenerateOptions options(Path out, String experiment, String stage, boolean withAssistant, boolean score) {
        return new GenerateOptions(Golden.dir("neo-main-tiny").toString(),
                withAssistant ? Golden.dir("neo-draft-tiny").toString() : null, "cpu", "float32",
                withAssistant ? DecodeConfig.greedy(6) : DecodeConfig.greedy(6).withMode(Mode.MAIN_ONLY), 1,
                experiment, stage, out.toString(), 2, 4, score, true, Set.of());
    }

    static List<Prompt> prompts(int n) {
        return GenerateJobTest.prompts().subList(0, n);
    }

    static long count(Path out, String table) {
        return Files.isDirectory(out.resolve(table)) ? spark.read().parquet(out.resolve(table).toString()).count() : 0;
    }

    @Test
    void mainOnlyAndUnscoredRerunsKeepWhatIsWritten(@TempDir Path tmp) {
        for (boolean withAssistant : new boolean[] {false, true}) {
            Path out = tmp.resolve(withAssistant ? "no-score" : "main-only");
            GenerateOptions opts = options(out, "e", "base", withAssistant, false);
            GenerateJob.run(spark, opts, prompts(4));
            GenerateJob.Summary s = GenerateJob.run(spark, opts, prompts(6)); // crashed: Path does not exist: .../tokens
            assertEquals(4, s.promptsKept());
            assertEquals(2, s.promptsDecoded());
            assertEquals(6, count(out, "generations"));
            assertEquals(0, count(out, "tokens"));
        }
    }

    @Test
    void numberAndDateLikeNamesStayAsWritten(@TempDir Path tmp) {
        Path out = tmp.resolve("t");
        List<String[]> names = List.of(new String[] {"2026", "01"}, new String[] {"e", "2026-11-30"}, new String[] {"1.5", "1.50"});
        for (String[] name : names) {
            GenerateOptions opts = options(out, name[0], name[1], true, true);
            GenerateJob.run(spark, opts, prompts(3));
            GenerateJob.Summary s = GenerateJob.run(spark, opts, prompts(5));
            assertEquals(3, s.promptsKept(), name[0] + "/" + name[1] + ": kept rows found under the name as written");
        }
        for (String table : List.of("generations", "drafts", "tokens")) {
            File[] experiments = out.resolve(table).toFile().listFiles(f -> f.getName().startsWith("experiment="));
            assertEquals(Set.of("experiment=2026", "experiment=e", "experiment=1.5"),
                    Set.of(java.util.Arrays.stream(experiments).map(File::getName).toArray(String[]::new)), table);
        }
        assertEquals(List.of("stage=01"), List.of(out.resolve("generations/experiment=2026").toFile().list()));
        assertEquals(List.of("stage=1.50"), List.of(out.resolve("generations/experiment=1.5").toFile().list()));

        // What `specfair sql` sees: the strings as written.
        TableViews.register(spark, out.toString());
        assertEquals(5, spark.sql("SELECT * FROM generations WHERE experiment = '2026' AND stage = '01'").count());
        assertEquals(5, spark.sql("SELECT * FROM generations WHERE stage = '2026-11-30'").count());
        assertEquals(5, spark.sql("SELECT * FROM generations WHERE experiment = '1.5' AND stage = '1.50'").count());
        assertEquals("string", spark.sql("SELECT stage FROM tokens").schema().fields()[0].dataType().typeName());
    }

    @Test
    void aCrashBetweenTableWritesLosesNothing(@TempDir Path tmp) {
        Path reference = tmp.resolve("reference");
        GenerateJob.run(spark, options(reference, "e", "base", true, true), prompts(6));
        for (String crashAfter : List.of(GenerateJob.WRITE_ORDER.get(0), GenerateJob.WRITE_ORDER.get(1))) {
            Path out = tmp.resolve("crash-after-" + crashAfter);
            GenerateOptions opts = options(out, "e", "base", true, true);
            GenerateJob.run(spark, opts, prompts(3));
            GenerateJob.afterTableWrite = table -> {
                if (table.equals(crashAfter)) {
                    throw new IllegalStateException("simulated crash after writing " + table);
                }
            };
            assertThrows(IllegalStateException.class, () -> GenerateJob.run(spark, opts, prompts(6)));
            GenerateJob.afterTableWrite = table -> { };
            GenerateJob.run(spark, opts, prompts(6));
            for (String table : List.of("generations", "drafts", "tokens")) {
                assertEquals(count(reference, table), count(out, table), table + " after a crash following the " + crashAfter + " write");
            }
            assertTrue(count(out, "tokens") > 0);
        }
    }
}
