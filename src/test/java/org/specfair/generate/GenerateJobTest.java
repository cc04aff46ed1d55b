package org.specfair.generate;

import org.specfair.decode.DecodeConfig;
import org.specfair.lm.Golden;
import org.specfair.prompts.Prompt;
import org.specfair.spark.ExecutorModels;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The generation job end to end in local[2] (with task retries) on the golden GPT-Neo pair. */
@Tag("slow")
class GenerateJobTest {
    static SparkSession spark;
    static final String[] GROUPS = {"female", "male", "queer", "nonqueer"};

    @BeforeAll
    static void start() {
        spark = SparkSession.builder().master("local[2,3]").appName("GenerateJobTest")
                .config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", "2")
                .getOrCreate();
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    /** Prompts as token-id text (the golden checkpoints have no tokenizer), plus an empty and an over-long one. */
    static List<Prompt> prompts() {
        Random rnd = new Random(5);
        List<Prompt> out = new ArrayList<>();
        for (int i = 0; i < 22; i++) {
            StringBuilder ids = new StringBuilder();
            int n = 1 + rnd.nextInt(10);
            for (int j = 0; j < n; j++) {
                ids.append(j == 0 ? "" : " ").append(rnd.nextInt(63));
            }
            String group = GROUPS[i % GROUPS.length];
            out.add(new Prompt("p" + i, group, "id-" + group, "t" + (i % 3), ids.toString(), "test", i + 1, null));
        }
        out.add(new Prompt("empty", "male", "id-male", "t0", "", "test", 23, "empty prompt"));
        out.add(new Prompt("toolong", "female", "id-female", "t0", "1 ".repeat(60).trim(), "test", 24, null));
        return out;
    }

    static GenerateOptions options(Path out, int partitions, int batch, Set<Integer> fail) {
        return new GenerateOptions(Golden.dir("neo-main-tiny").toString(), Golden.dir("neo-draft-tiny").toString(),
                "cpu", "float32", DecodeConfig.greedy(12), 1, "exp1", "base", out.toString(), partitions, batch,
                true, false, fail);
    }

    static List<Row> sorted(Dataset<Row> df, String... orderBy) {
        return df.drop("wall_ms").orderBy(orderBy[0], java.util.Arrays.copyOfRange(orderBy, 1, orderBy.length)).collectAsList();
    }

    /** Same rows: every field equal, probabilities within 1e-4 (batch shapes change float32 rounding). */
    static void assertSameRows(List<Row> a, List<Row> b, String label) {
        assertEquals(a.size(), b.size(), label + ": row count");
        for (int i = 0; i < a.size(); i++) {
            Row x = a.get(i);
            Row y = b.get(i);
            for (int f = 0; f < x.length(); f++) {
                Object u = x.get(f);
                Object v = y.get(f);
                if (u instanceof Double du && v instanceof Double dv) {
                    assertEquals(du, dv, 1e-4, label + " row " + i + " field " + x.schema().fields()[f].name());
                } else {
                    assertEquals(u, v, label + " row " + i + " field " + x.schema().fields()[f].name());
                }
            }
        }
    }

    @Test
    void writesOneRowPerPromptAndIsPartitionAndBatchInvariant(@TempDir Path tmp) {
        List<Prompt> prompts = prompts();
        int loadsBefore = ExecutorModels.loadCount();
        GenerateJob.Summary s1 = GenerateJob.run(spark, options(tmp.resolve("a"), 1, 1, Set.of()), prompts);
        GenerateJob.Summary s4 = GenerateJob.run(spark, options(tmp.resolve("b"), 4, 8, Set.of()), prompts);
        // One load per model per JVM: the first run loads main + assistant, the second none.
        assertTrue(ExecutorModels.loadCount() - loadsBefore <= 2, "models loaded more than once per JVM");
        assertEquals(0, s4.modelLoads());
        assertEquals(2, s1.errorRows());

        Dataset<Row> gens = spark.read().parquet(tmp.resolve("a/generations").toString());
        assertEquals(prompts.size(), gens.count());
        assertEquals(prompts.size(), gens.select("prompt_id").distinct().count());
        assertEquals(0, gens.filter("error IS NULL AND abs(ratio - n_matches / max_new_tokens) > 1e-12").count());
        assertEquals("empty prompt", gens.filter("prompt_id = 'empty'").first().getAs("error"));
        assertTrue(gens.filter("prompt_id = 'toolong'").first().<String>getAs("error").contains("context window"));
        Dataset<Row> drafts = spark.read().parquet(tmp.resolve("a/drafts").toString());
        Dataset<Row> tokens = spark.read().parquet(tmp.resolve("a/tokens").toString());
        var keys = scala.jdk.javaapi.CollectionConverters.asScala(List.of("experiment", "stage", "run_id", "prompt_id", "sample_index")).toSeq();
        Dataset<Row> genKeys = gens.filter("error IS NULL").select("experiment", "stage", "run_id", "prompt_id", "sample_index");
        assertEquals(drafts.count(), drafts.join(genKeys, keys).count());
        assertEquals(tokens.count(), tokens.join(genKeys, keys).count());
        assertEquals(tokens.count(), gens.filter("error IS NULL").selectExpr("sum(new_tokens)").first().getLong(0));
        assertEquals(0, drafts.join(gens, "prompt_id").filter(gens.col("run_id").notEqual(drafts.col("run_id"))).count());
        assertEquals(drafts.filter("accepted").count(), gens.filter("error IS NULL").selectExpr("sum(accepted)").first().getLong(0));

        for (String table : List.of("generations", "drafts", "tokens")) {
            Dataset<Row> a = spark.read().parquet(tmp.resolve("a/" + table).toString());
            Dataset<Row> b = spark.read().parquet(tmp.resolve("b/" + table).toString());
            String[] order = table.equals("generations") ? new String[] {"prompt_id"}
                    : table.equals("drafts") ? new String[] {"prompt_id", "round", "index_in_round"} : new String[] {"prompt_id", "position"};
            assertSameRows(sorted(a, order), sorted(b, order), table + " (1 partition, batch 1 vs 4 partitions, batch 8)");
        }
    }

    @Test
    void rerunsAreIdempotentAndFailedTasksLeaveCompleteOutput(@TempDir Path tmp) {
        List<Prompt> prompts = prompts().subList(0, 10);
        Path out = tmp.resolve("t");
        // Partitions 0 and 2 throw on their first attempt; Spark retries them (local[2,3] allows 3 attempts).
        GenerateJob.run(spark, options(out, 4, 4, Set.of(0, 2)), prompts);
        Dataset<Row> gens = spark.read().parquet(out.resolve("generations").toString());
        assertEquals(prompts.size(), gens.count());
        assertEquals(prompts.size(), gens.select("prompt_id").distinct().count());
        List<Row> first = sorted(gens, "prompt_id");
        long drafts = spark.read().parquet(out.resolve("drafts").toString()).count();

        // A full rerun (not incremental) replaces the partition: same rows, no duplicates.
        GenerateJob.run(spark, options(out, 3, 2, Set.of()), prompts);
        assertSameRows(first, sorted(spark.read().parquet(out.resolve("generations").toString()), "prompt_id"), "rerun");
        assertEquals(drafts, spark.read().parquet(out.resolve("drafts").toString()).count());

        // Incremental: nothing left to do, nothing decoded, nothing rewritten.
        GenerateOptions inc = new GenerateOptions(options(out, 2, 4, Set.of()).mainModel(), options(out, 2, 4, Set.of()).assistantModel(),
                "cpu", "float32", DecodeConfig.greedy(12), 1, "exp1", "base", out.toString(), 2, 4, true, true, Set.of());
        GenerateJob.Summary s = GenerateJob.run(spark, inc, prompts);
        assertEquals(0, s.promptsDecoded());
        assertEquals(prompts.size(), s.promptsKept());
        // Incremental with two new prompts: only those are decoded; old rows are kept as they were.
        List<Prompt> more = new ArrayList<>(prompts);
        more.addAll(prompts().subList(10, 12));
        GenerateJob.Summary s2 = GenerateJob.run(spark, inc, more);
        assertEquals(2, s2.promptsDecoded());
        Dataset<Row> after = spark.read().parquet(out.resolve("generations").toString());
        assertEquals(12, after.count());
        assertSameRows(first, sorted(after.filter(col("prompt_id").isin(prompts.stream().map(Prompt::promptId).toArray())), "prompt_id"), "kept rows");

        // Another stage of the same experiment lives beside it; the first stage is untouched.
        GenerateOptions other = new GenerateOptions(inc.mainModel(), inc.assistantModel(), "cpu", "float32",
                DecodeConfig.greedy(12), 1, "exp1", "stage2", out.toString(), 2, 4, true, false, Set.of());
        GenerateJob.run(spark, other, prompts.subList(0, 3));
        Dataset<Row> all = spark.read().parquet(out.resolve("generations").toString());
        assertEquals(12, all.filter("stage = 'base'").count());
        assertEquals(3, all.filter("stage = 'stage2'").count());
    }
}
