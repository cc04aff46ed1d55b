package org.specfair.generate;

import org.specfair.decode.DecodeConfig;
import org.specfair.demo.DemoModels;
import org.specfair.prompts.Prompt;
import org.specfair.prompts.PromptColumns;
import org.specfair.prompts.PromptSource;
import org.specfair.tokenizer.TextTokenizer;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The project's real inputs end to end: the demo pair (written here, as jobs/demo does) through the
 * generation job in local[2], on the sample prompts and on the published HONEST templates.
 */
@Tag("slow")
class DemoPipelineTest {
    static final Path SAMPLE = Path.of("data/sample_prompts.tsv");
    static final List<String> KEYS = List.of("experiment", "stage", "run_id", "prompt_id", "sample_index");
    static final Set<String> HONEST_GROUPS = Set.of("female", "male", "nonqueer", "nonqueer_gender", "nonqueer_orientation",
            "queer", "queer_gender", "queer_gender_pronoun", "queer_gender_xenogender", "queer_orientation");

    @TempDir
    static Path models;
    static DemoModels.Written demo;
    static SparkSession spark;

    @BeforeAll
    static void start() {
        demo = DemoModels.write(models, SAMPLE);
        spark = SparkSession.builder().master("local[2]").appName("DemoPipelineTest")
                .config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", "2")
                .getOrCreate();
    }

    @AfterAll
    static void stop() {
        if (spark != null) {
            spark.stop();
        }
    }

    static GenerateOptions options(Path out, String experiment, int maxNewTokens) {
        return new GenerateOptions(demo.main().toString(), demo.draft().toString(), "cpu", "float32",
                DecodeConfig.greedy(maxNewTokens), 1, experiment, "base", out.toString(), 0, 8, true, false, Set.of());
    }

    static Dataset<Row> table(Path out, String name) {
        return spark.read().parquet(out.resolve(name).toString());
    }

    static scala.collection.immutable.Seq<String> keys() {
        return scala.jdk.javaapi.CollectionConverters.asScala(KEYS).toList();
    }

    /** The five key columns of a row as one string. */
    static String key(Row r) {
        return KEYS.stream().map(k -> String.valueOf((Object) r.getAs(k))).collect(Collectors.joining("|"));
    }

    /** Rows per key of a table (the keys only are read). */
    static Map<String, Long> rowsPerKey(Path out, String table) {
        return table(out, table).select(KEYS.get(0), KEYS.subList(1, 5).toArray(new String[0])).collectAsList().stream()
                .collect(Collectors.groupingBy(DemoPipelineTest::key, Collectors.counting()));
    }

    /**
     * drafts and tokens join back to generations on all five keys: every key they hold is a generation
     * without error, with exactly {@code proposed} drafts rows and {@code new_tokens} tokens rows.
     */
    static void assertJoinsBack(Path out, List<Row> gens) {
        Map<String, Long> drafts = rowsPerKey(out, "drafts");
        Map<String, Long> tokens = rowsPerKey(out, "tokens");
        Map<String, Long> wantDrafts = new HashMap<>();
        Map<String, Long> wantTokens = new HashMap<>();
        for (Row g : gens) {
            if (g.getAs("error") == null) {
                if ((int) g.getAs("proposed") > 0) {
                    wantDrafts.put(key(g), (long) (int) g.getAs("proposed"));
                }
                wantTokens.put(key(g), (long) (int) g.getAs("new_tokens"));
            }
        }
        assertEquals(wantDrafts, drafts, "drafts rows per generation");
        assertEquals(wantTokens, tokens, "tokens rows per generation");
    }

    @Test
    void samplePromptsEachGiveOneRowThatJoinsAndDecodes(@TempDir Path tmp) {
        List<Prompt> prompts = PromptSource.load(List.of(SAMPLE), "tsv", PromptColumns.SAMPLE, null, null);
        Path out = tmp.resolve("out");
        GenerateJob.Summary s = GenerateJob.run(spark, options(out, "demo", 20), prompts);
        assertEquals(prompts.size(), s.promptsDecoded());
        assertEquals(0, s.errorRows());

        List<Row> rows = table(out, "generations").collectAsList();
        assertEquals(prompts.size(), rows.size());
        Map<String, Prompt> byId = prompts.stream().collect(Collectors.toMap(Prompt::promptId, p -> p));
        Map<String, Integer> seen = new HashMap<>();
        double acceptance = 0;
        try (TextTokenizer tok = TextTokenizer.load(demo.main())) {
            for (Row r : rows) {
                String id = r.getAs("prompt_id");
                Prompt p = byId.get(id);
                assertNotNull(p, "unknown prompt id " + id);
                seen.merge(id, 1, Integer::sum);
                assertEquals(p.group(), r.getAs("category"), id);
                assertEquals(p.group(), r.getAs("group"), id);
                assertEquals(p.identity(), r.getAs("identity"), id);
                assertEquals(p.template(), r.getAs("template"), id);
                assertEquals(p.text(), r.getAs("prompt"), id);
                assertEquals("sample_prompts.tsv", r.getAs("source"));
                assertEquals(p.sourceRow(), (long) r.getAs("source_row"));
                assertNull(r.getAs("error"), id);
                int n = r.getAs("n_matches");
                int max = r.getAs("max_new_tokens");
                assertEquals(20, max);
                assertEquals((double) n / max, (double) r.getAs("ratio"), 1e-12, id);
                int[] completion = ids(r);
                String text = r.getAs("completion");
                assertNotNull(text, id);
                assertTrue(!text.isEmpty(), id);
                assertEquals(tok.decode(completion), text, id);
                assertEquals(completion.length, (int) r.getAs("new_tokens"), id);
                acceptance += r.<Double>getAs("acceptance_rate");
            }
        }
        assertEquals(byId.keySet(), seen.keySet());
        assertTrue(seen.values().stream().allMatch(c -> c == 1), "a prompt has more than one row");
        assertEquals(new TreeSet<>(byId.values().stream().map(Prompt::group).toList()),
                new TreeSet<>(rows.stream().map(r -> r.<String>getAs("category")).toList()));
        assertJoinsBack(out, rows);
        // The demo pair agrees often but not always (see DemoModels).
        double mean = acceptance / rows.size();
        assertTrue(mean > 0.3 && mean < 0.95, "mean acceptance of the demo pair: " + mean);
    }

    static int[] ids(Row r) {
        List<Integer> list = scala.jdk.javaapi.CollectionConverters.asJava(r.<scala.collection.Seq<Integer>>getAs("completion_ids"));
        return list.stream().mapToInt(Integer::intValue).toArray();
    }

    @Test
    void honestTemplatesOfAllTenGroups(@TempDir Path tmp) {
        Path binary = org.specfair.SharedResources.file("honest/en_template_binary.tsv"); // fails under CI=true when missing
        Path queer = org.specfair.SharedResources.file("honest/en_template_queer_nonqueer.tsv");

        List<Prompt> all = PromptSource.load(List.of(binary, queer), "honest", null, "all", null);
        // Every 20th prompt of each group, in load order: a deterministic subset that keeps all ten groups.
        Map<String, Integer> position = new HashMap<>();
        List<Prompt> subset = new ArrayList<>();
        for (Prompt p : all) {
            if (position.merge(p.group(), 1, Integer::sum) % 20 == 1) {
                subset.add(p);
            }
        }
        Map<String, Long> perGroup = subset.stream().collect(Collectors.groupingBy(Prompt::group, TreeMap::new, Collectors.counting()));
        assertEquals(HONEST_GROUPS, perGroup.keySet());

        Path out = tmp.resolve("out");
        GenerateJob.run(spark, options(out, "honest", 6), subset);
        List<Row> gens = table(out, "generations").collectAsList();
        assertEquals(subset.size(), gens.size());
        Map<String, Prompt> byId = subset.stream().collect(Collectors.toMap(Prompt::promptId, p -> p));
        assertEquals(byId.keySet(), gens.stream().map(r -> r.<String>getAs("prompt_id")).collect(Collectors.toSet()));
        assertEquals(perGroup, gens.stream().collect(Collectors.groupingBy(r -> r.<String>getAs("category"), TreeMap::new,
                Collectors.counting())));
        for (Row r : gens) {
            Prompt p = byId.get(r.<String>getAs("prompt_id"));
            assertEquals(p.source(), r.getAs("source"));
            assertEquals(p.sourceRow(), (long) r.getAs("source_row"));
            assertEquals(p.identity(), r.getAs("identity"));
            assertEquals(p.template(), r.getAs("template"));
            assertEquals(p.error(), r.getAs("error"), p.where());
            if (p.error() == null) {
                assertNotNull(r.getAs("completion"), p.where());
                int n = ids(r).length;
                assertTrue(n >= 1 && n <= 6, p.where() + ": " + n + " tokens");
                assertEquals((int) r.getAs("n_matches") / 6.0, (double) r.getAs("ratio"), 1e-12, p.where());
            }
        }
        assertEquals(Set.of("en_template_binary.tsv", "en_template_queer_nonqueer.tsv"),
                gens.stream().map(r -> r.<String>getAs("source")).collect(Collectors.toSet()));
        assertJoinsBack(out, gens);
    }
}
