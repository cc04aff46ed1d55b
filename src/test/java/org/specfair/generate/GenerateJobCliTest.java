package org.specfair.generate;

import org.specfair.cli.SpecFair;
import org.specfair.lm.Golden;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Malformed prompt files through the command-line entry point of the job ({@code jobs/generate}):
 * exit code 2, one line on stderr naming the file and the row, and no table written.
 * Holds no SparkSession of its own: the command creates and stops one per run.
 */
@Tag("slow")
class GenerateJobCliTest {
    @TempDir
    Path tmp;

    record Result(int code, String err) {}

    static synchronized Result run(String... args) {
        PrintStream old = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = SpecFair.run(args);
            return new Result(code, err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(old);
        }
    }

    Result generate(Path prompts, String format, Path out, String... extra) {
        List<String> args = new java.util.ArrayList<>(List.of("generate-job", "--master", "local[2]",
                "--main", Golden.dir("neo-main-tiny").toString(), "--assistant", Golden.dir("neo-draft-tiny").toString(),
                "--prompts", prompts.toString(), "--prompt-format", format, "--out", out.toString(),
                "--experiment", "bad", "--max-new-tokens", "4"));
        args.addAll(List.of(extra));
        return run(args.toArray(new String[0]));
    }

    /** The command's own error line (log lines, if any reach the captured stream, start with a timestamp). */
    static String errorLine(Result r) {
        List<String> lines = r.err().lines().filter(l -> l.startsWith("specfair ")).toList();
        assertEquals(1, lines.size(), r.err());
        assertFalse(r.err().contains("\tat "), "stack trace printed: " + r.err());
        return lines.get(0);
    }

    static void assertNoTables(Path out) {
        for (String table : List.of("generations", "drafts", "tokens", "_staging")) {
            assertFalse(Files.exists(out.resolve(table)), table + " written despite the error");
        }
    }

    @Test
    void malformedFilesFailWithOneLineNamingFileAndRow() throws IOException {
        // TSV: row 3 has four fields instead of five.
        Path tsv = tmp.resolve("short_row.tsv");
        Files.writeString(tsv, "prompt_id\tcategory\tidentity\ttemplate\tprompt\n"
                + "a\tfemale\tthe woman\t[I] is\tThe woman is\n"
                + "b\tmale\tthe man\t[I] is\tThe man is\n"
                + "c\tqueer\tthe queer person\tThe queer person is\n");
        Path out1 = tmp.resolve("out1");
        Result r1 = generate(tsv, "tsv", out1, "--id-column", "prompt_id");
        assertEquals(2, r1.code(), r1.err());
        String line1 = errorLine(r1);
        assertTrue(line1.startsWith("specfair generate-job: " + tsv + " row 3"), line1);
        assertTrue(line1.contains("expected 5 fields") && line1.contains("found 4"), line1);
        assertNoTables(out1);

        // JSONL: row 2 is not valid JSON.
        Path jsonl = tmp.resolve("broken.jsonl");
        Files.writeString(jsonl, "{\"prompt\": \"The woman is\", \"category\": \"female\"}\n"
                + "{\"prompt\": \"The man is\", \"category\": \"male\"\n");
        Path out2 = tmp.resolve("out2");
        Result r2 = generate(jsonl, "jsonl", out2);
        assertEquals(2, r2.code(), r2.err());
        String line2 = errorLine(r2);
        assertTrue(line2.startsWith("specfair generate-job: " + jsonl + " row 2"), line2);
        assertTrue(line2.contains("invalid JSON"), line2);
        assertNoTables(out2);

        // CSV with its own id column: row 3 repeats row 1's id.
        Path csv = tmp.resolve("duplicate_ids.csv");
        Files.writeString(csv, "id,prompt,category\np1,The woman is,female\np2,The man is,male\np1,\"The person, who\",queer\n");
        Path out3 = tmp.resolve("out3");
        Result r3 = generate(csv, "csv", out3, "--id-column", "id");
        assertEquals(2, r3.code(), r3.err());
        String line3 = errorLine(r3);
        assertTrue(line3.startsWith("specfair generate-job: " + csv.getFileName()) || line3.startsWith("specfair generate-job: " + csv),
                line3);
        assertTrue(line3.contains("row 3") && line3.contains("duplicate prompt id 'p1'"), line3);
        assertNoTables(out3);
    }

    @Test
    void parquetPromptsAreReadFromAHadoopUri() {
        Path table = tmp.resolve("prompts.parquet");
        org.apache.spark.sql.SparkSession spark = org.apache.spark.sql.SparkSession.builder().master("local[1]")
                .appName("parquet-prompts").config("spark.ui.enabled", "false").getOrCreate();
        try {
            spark.sql("SELECT * FROM VALUES ('1 2 3', 'female'), ('4 5', 'male') AS t(prompt, category)")
                    .write().parquet(table.toString());
        } finally {
            spark.stop();
        }
        Path out = tmp.resolve("out-parquet");
        Result r = generate(Path.of("file://" + table.toAbsolutePath()), "parquet", out);
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.isDirectory(out.resolve("generations")), r.err());
    }
}
