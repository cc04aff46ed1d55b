package org.specfair.prompts;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The one entry point the generation job calls. */
class PromptSourceTest {
    @TempDir
    Path tmp;

    @Test
    void honestAllFromTheSharedFolder() {
        List<Prompt> prompts = PromptSource.load(List.of(HonestFiles.folder()), "honest", null, "all", null);
        assertEquals(1515, prompts.size());
        assertEquals(HonestTemplatesTest.ALL_CATEGORIES, HonestTemplatesTest.countByGroup(prompts).keySet());
    }

    @Test
    void tablesOfEachPlainFormat() throws IOException {
        Path csv = Files.writeString(tmp.resolve("p.csv"), "text,group\nThe woman is,female\n");
        Path tsv = Files.writeString(tmp.resolve("p.tsv"), "text\tgroup\nThe woman is\tfemale\n");
        Path jsonl = Files.writeString(tmp.resolve("p.jsonl"), "{\"text\": \"The woman is\", \"group\": \"female\"}\n");
        PromptColumns cols = PromptColumns.of("text", "group");
        String id = PromptIds.stableId("table", "female", null, null, "The woman is");
        for (Object[] c : new Object[][] {{csv, "csv"}, {tsv, "TSV"}, {jsonl, "jsonl"}}) {
            List<Prompt> prompts = PromptSource.load(List.of((Path) c[0]), (String) c[1], cols, null, null);
            assertEquals(id, prompts.get(0).promptId(), (String) c[1]);
        }
        // two files are one prompt set: the same row in both is a duplicate
        List<Prompt> both = PromptSource.load(List.of(csv, tmp.resolve("p.csv")), "csv", cols, null, null);
        assertEquals(List.of(id, id + "-2"), both.stream().map(Prompt::promptId).toList());
    }

    @Test
    void theSampleFileReadsAsATable() {
        List<Prompt> prompts = PromptSource.load(List.of(SamplePromptsTest.FILE), "tsv", PromptColumns.SAMPLE, null, null);
        assertEquals(200, prompts.size());
    }

    @Test
    void badCallsFailWithOneLine() throws IOException {
        Path headerOnly = Files.writeString(tmp.resolve("h.csv"), "text,group\n");
        PromptColumns cols = PromptColumns.of("text", "group");
        assertEquals("unknown prompt format 'xlsx' (expected honest, csv, tsv, jsonl or parquet)",
                assertThrows(IllegalArgumentException.class, () -> PromptSource.load(List.of(headerOnly), "xlsx", cols, null, null)).getMessage());
        assertEquals("no prompt files given (format csv)",
                assertThrows(PromptFileException.class, () -> PromptSource.load(List.of(), "csv", cols, null, null)).getMessage());
        assertEquals("[" + headerOnly + "]: no prompt rows (only headers or blank lines)",
                assertThrows(PromptFileException.class, () -> PromptSource.load(List.of(headerOnly), "csv", cols, null, null)).getMessage());
        assertEquals("parquet prompt tables are read through Spark, but no SparkSession was given",
                assertThrows(IllegalArgumentException.class, () -> PromptSource.load(List.of(headerOnly), "parquet", cols, null, null)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> PromptSource.load(List.of(headerOnly), "csv", null, null, null));
    }
}
