package org.specfair.tables;

import org.specfair.spark.TestSpark;
import org.specfair.cli.SpecFair;
import org.specfair.demo.SyntheticFixture;
import org.specfair.demo.SyntheticTables;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every query in conf/sql runs against a small synthetic dataset (aggregated) and returns rows. */
class NamedQueriesTest {
    static SparkSession spark;
    static String root;
    /** Parameters a query needs beyond its defaults. */
    static final Map<String, Map<String, String>> PARAMS = Map.of("toxicity_rose_after", Map.of("stage", "both-imdb"));

    @BeforeAll
    static void start() {
        spark = TestSpark.local("NamedQueriesTest", 2);
        root = SyntheticFixture.aggregatedRoot(spark);
        List<String> views = TableViews.register(spark, root);
        assertEquals(List.of("checkpoints", "distributions", "drafts", "generations", "group_metrics", "judgments",
                "milestones", "significance", "tokens", "transitions"), views);
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    @Test
    void everyQueryInConfSqlRunsAndReturnsRows() throws Exception {
        List<String> files;
        try (Stream<Path> s = Files.list(Path.of("conf/sql"))) {
            files = s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".sql")).map(n -> n.substring(0, n.length() - 4)).sorted().toList();
        }
        assertEquals(files, NamedQuery.packaged(), "packaged queries = conf/sql");
        assertTrue(files.size() >= 8, files.toString());
        for (String name : files) {
            NamedQuery q = NamedQuery.load(name, null);
            List<Row> rows = spark.sql(q.bind(PARAMS.getOrDefault(name, Map.of()))).collectAsList();
            assertFalse(rows.isEmpty(), name + " returned no rows");
        }
    }

    @Test
    void studyQuestionsAnswerWhatWasPlanted() {
        // Planted: odd groups (male, nonqueer) get +0.02 toxic rate per stage; every rise reported is positive.
        List<Row> rose = spark.sql(NamedQuery.load("toxicity_rose_after", null).bind(Map.of("stage", "both-imdb"))).collectAsList();
        assertTrue(rose.stream().allMatch(r -> r.<Double>getAs("rise") > 0));
        List<Row> ratio = spark.sql(NamedQuery.load("ratio_before_after", null).bind(Map.of())).collectAsList();
        assertEquals(2 * SyntheticTables.GROUPS.size(), ratio.size());  // two later stages x four groups
        List<Row> kl = spark.sql(NamedQuery.load("kl_toxic_to_non_toxic", null).bind(Map.of("transition", "stayed_non_toxic"))).collectAsList();
        assertTrue(kl.stream().allMatch(r -> r.getAs("mean_kl_before") != null));
    }

    @Test
    void parametersAreCheckedAndQuoted() {
        NamedQuery q = NamedQuery.parse("t", "-- param stage\n-- param before base\nSELECT '${stage}', '${before}'");
        assertEquals("-- param stage\n-- param before base\nSELECT 'a''b', 'base'", q.bind(Map.of("stage", "a'b")));
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class, () -> q.bind(Map.of()));
        assertEquals("query t needs --param stage=VALUE", missing.getMessage());
        assertThrows(IllegalArgumentException.class, () -> q.bind(Map.of("stage", "x", "stag", "y")));
        assertThrows(IllegalArgumentException.class, () -> NamedQuery.load("../etc", null));
    }

    @Test
    void cliNamesTheProblemInOneLine() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream old = System.err;
        System.setErr(new PrintStream(err, true));
        try {
            assertEquals(2, SpecFair.run("sql", "--root", root, "--query", "no_such_query"));
            assertEquals(2, SpecFair.run("sql", "--root", root, "--query", "toxicity_rose_after"));
        } finally {
            System.setErr(old);
        }
        String[] lines = err.toString().strip().split("\n");
        assertEquals(2, lines.length, err.toString());
        assertTrue(lines[0].startsWith("specfair sql: no query named 'no_such_query'"), lines[0]);
        assertEquals("specfair sql: query toxicity_rose_after needs --param stage=VALUE", lines[1]);
    }
}
