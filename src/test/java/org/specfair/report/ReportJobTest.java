package org.specfair.report;

import org.specfair.spark.TestSpark;
import org.specfair.aggregate.AggregateJob;
import org.specfair.demo.SyntheticFixture;
import org.specfair.demo.SyntheticTables;
import org.specfair.judge.Reliability;
import org.specfair.tables.TableStore;
import org.specfair.tables.Tables;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The report over synthetic aggregates: every referenced file exists, every chart is a PNG, absent tables are said. */
class ReportJobTest {
    static SparkSession spark;

    @BeforeAll
    static void start() {
        spark = TestSpark.local("ReportJobTest", 2);
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    /** Every src= and href= of the page, which must name files beside it (no network, no absolute paths). */
    static List<String> references(Path page) throws IOException {
        Matcher m = Pattern.compile("(?:src|href)=\"([^\"]*)\"").matcher(Files.readString(page));
        List<String> refs = new ArrayList<>();
        while (m.find()) {
            refs.add(m.group(1));
        }
        return refs;
    }

    static void assertOffline(Path page) throws IOException {
        List<String> refs = references(page);
        assertFalse(refs.isEmpty());
        for (String ref : refs) {
            assertFalse(ref.contains(":") || ref.startsWith("/"), "not a local relative file: " + ref);
            Path file = page.resolveSibling(ref);
            assertTrue(Files.isRegularFile(file), "missing: " + ref);
            byte[] head = java.util.Arrays.copyOf(Files.readAllBytes(file), 8);
            assertEquals((byte) 0x89, head[0], ref + " is not a PNG");
            assertEquals('P', head[1]);
        }
        assertFalse(Files.readString(page).contains("<script"), "no scripts");
    }

    @Test
    void fullReportReferencesOnlyFilesThatExist(@TempDir Path dir) throws IOException {
        String root = SyntheticFixture.aggregatedRoot(spark);
        Path out = dir.resolve("report");
        Files.createDirectories(out);
        Files.writeString(out.resolve("stale-chart.png"), "from an older run");
        ReportJob.Summary s = ReportJob.run(spark, root, out.toString());
        assertEquals(List.of(), s.omitted());
        assertOffline(s.page());
        assertFalse(Files.exists(out.resolve("stale-chart.png")), "charts of an older run are removed");
        try (var files = Files.list(out)) {
            assertEquals(s.charts(), files.filter(p -> p.toString().endsWith(".png")).count());
        }
        // 1 ratio + 2 judges' toxic + 2 pairs x 2 judges transition matrices + 4 groups' KL + 2x2x4 class KL + 3 stages' p-q + 2 stages x 2 roles milestones
        assertEquals(1 + 2 + 4 + 4 + 16 + 3 + 4, s.charts());
        String html = Files.readString(s.page());
        assertTrue(html.contains("Largest match-ratio disparity"), "summary at the top");
        assertTrue(html.contains("Cohen"), "judge agreement");
    }

    @Test
    void judgeAgreementComesFromItsTableWhenWritten(@TempDir Path dir) throws IOException {
        String root = dir.resolve("out").toString();
        SyntheticTables.write(spark, root, new SyntheticTables.Size(8, 1, 2), true);
        AggregateJob.run(spark, root, null);
        String computed = Files.readString(ReportJob.run(spark, root, dir.resolve("computed").toString()).page());
        assertTrue(computed.contains("No judge_agreement table for this experiment"), "the fallback says so");

        Reliability.run(spark, root, SyntheticTables.EXPERIMENT);
        List<Row> agreement = TableStore.read(spark, root, Tables.JUDGE_AGREEMENT).collectAsList();
        assertFalse(agreement.isEmpty());
        String html = Files.readString(ReportJob.run(spark, root, dir.resolve("read").toString()).page());
        assertTrue(html.contains("From the judge_agreement table"));
        assertFalse(html.contains("No judge_agreement table"));
        for (Row r : agreement) {
            Double low = r.getAs("kappa_ci_low");
            Double high = r.getAs("kappa_ci_high");
            assertTrue(low != null && high != null, r.toString());
            assertTrue(html.contains("[" + Html.num(low) + ", " + Html.num(high) + "]"), "kappa CI of " + r);
        }
    }

    @Test
    void missingTablesAreSaidNotFailed(@TempDir Path dir) throws IOException {
        String root = dir.resolve("bare").toString();
        SyntheticTables.write(spark, root, new SyntheticTables.Size(3, 1, 2), false);
        AggregateJob.run(spark, root, null);
        ReportJob.Summary s = ReportJob.run(spark, root, dir.resolve("report").toString());
        assertOffline(s.page());
        assertTrue(s.omitted().stream().anyMatch(l -> l.contains("no judgments table")), s.omitted().toString());
        assertTrue(s.omitted().stream().anyMatch(l -> l.contains("no milestones table")), s.omitted().toString());
        assertTrue(Files.readString(s.page()).contains("no judgments table"));
    }

    @Test
    void withoutAggregatesItSaysWhatToRun(@TempDir Path dir) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ReportJob.run(spark, dir.toString(), dir.resolve("r").toString()));
        assertTrue(e.getMessage().contains("run jobs/aggregate"), e.getMessage());
    }
}
