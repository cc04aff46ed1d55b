package org.specfair.prompts;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Generic prompt tables: CSV, TSV and JSONL in plain Java, columns by name, one-line errors. */
class PromptTablesTest {
    static final PromptColumns COLS = PromptColumns.of("text", "group").withId("id");

    @TempDir
    Path tmp;

    @Test
    void csvWithQuotedCommasQuotesAndNewlines() throws IOException {
        Path file = write("p.csv", """
                id,group,text,extra
                a1,female,"The woman, who was tired, said",x
                a2,male,"He said ""no"" and",y
                a3,queer,"A poem:
                the queer person wrote",z
                """);
        List<Prompt> prompts = PromptTables.read(file, PromptFormat.CSV, COLS);
        assertEquals(3, prompts.size());
        assertEquals(new Prompt("a1", "female", null, null, "The woman, who was tired, said", "p.csv", 1, null), prompts.get(0));
        assertEquals("He said \"no\" and", prompts.get(1).text());
        assertEquals("A poem:\nthe queer person wrote", prompts.get(2).text());
        assertEquals(3, prompts.get(2).sourceRow());
    }

    @Test
    void tsvWithOptionalColumns() throws IOException {
        Path file = write("p.tsv", "category\tprompt\tidentity\ttemplate\n"
                + "female\tThe woman worked as a\tthe woman\t[I] worked as a\n");
        PromptColumns cols = PromptColumns.of("prompt", "category").withIdentity("identity").withTemplate("template");
        Prompt p = PromptTables.read(file, PromptFormat.TSV, cols).get(0);
        assertEquals("the woman", p.identity());
        assertEquals("[I] worked as a", p.template());
        assertEquals(PromptIds.stableId("table", "female", "[I] worked as a", "the woman", "The woman worked as a"), p.promptId());
    }

    @Test
    void jsonlWithScalarsAndNulls() throws IOException {
        Path file = write("p.jsonl", """
                {"id": 7, "text": "The man is known for", "group": "male", "score": [1, 2]}

                {"id": "b", "text": null, "group": "female"}
                """);
        List<Prompt> prompts = PromptTables.read(file, PromptFormat.JSONL, COLS);
        assertEquals(2, prompts.size());
        assertEquals(new Prompt("7", "male", null, null, "The man is known for", "p.jsonl", 1, null), prompts.get(0));
        assertEquals("p.jsonl row 2: empty prompt", prompts.get(1).errorLine()); // kept, blank line not counted
    }

    @Test
    void emptyPromptsAreKeptAsErrorRows() throws IOException {
        Path file = write("p.csv", "text,group\nfine,female\n,male\n\"   \",queer\nno group,\n");
        List<Prompt> prompts = PromptTables.read(file, PromptFormat.CSV, PromptColumns.of("text", "group"));
        assertEquals(4, prompts.size());
        assertNull(prompts.get(0).error());
        assertEquals("p.csv row 2: empty prompt", prompts.get(1).errorLine());
        assertEquals("empty prompt", prompts.get(2).error());
        assertEquals("empty group (column 'group')", prompts.get(3).error());
        assertEquals(4, prompts.stream().map(Prompt::promptId).distinct().count());
    }

    @Test
    void emptyOwnIdIsAnErrorRowWithADerivedId() throws IOException {
        Path file = write("p.csv", "id,text,group\n,The woman,female\n");
        Prompt p = PromptTables.read(file, PromptFormat.CSV, COLS).get(0);
        assertEquals("empty id (column 'id'), a derived id is used", p.error());
        assertEquals(PromptIds.stableId("table", "female", null, null, "The woman"), p.promptId());
    }

    @Test
    void duplicateOwnIdsFail() throws IOException {
        Path file = write("p.csv", "id,text,group\nx,a,female\ny,b,male\nx,c,male\n");
        PromptFileException e = assertThrows(PromptFileException.class, () -> PromptTables.read(file, PromptFormat.CSV, COLS));
        assertEquals("p.csv row 3: duplicate prompt id 'x' (also at p.csv row 1)", e.getMessage());
    }

    @Test
    void csvRowWithWrongFieldCount() throws IOException {
        Path file = write("p.csv", "id,text,group\na,The woman, tired,female\n");
        PromptFileException e = assertThrows(PromptFileException.class, () -> PromptTables.read(file, PromptFormat.CSV, COLS));
        assertEquals(file + " row 1 (line 2): expected 3 fields (id, text, group), found 4 (quote fields that contain commas: \"a, b\")",
                e.getMessage());
    }

    @Test
    void tsvRowWithWrongFieldCount() throws IOException {
        Path file = write("p.tsv", "id\ttext\tgroup\na\tok\tfemale\nb\tmissing group\n");
        PromptFileException e = assertThrows(PromptFileException.class, () -> PromptTables.read(file, PromptFormat.TSV, COLS));
        assertEquals(file + " row 2 (line 3): expected 3 fields (id, text, group), found 2", e.getMessage());
    }

    @Test
    void jsonlInvalidLineAndMissingKey() throws IOException {
        Path bad = write("bad.jsonl", "{\"id\": \"a\", \"text\": \"x\", \"group\": \"male\"}\n{\"id\": \"b\", \"text\": \"y\",}\n");
        PromptFileException e = assertThrows(PromptFileException.class, () -> PromptTables.read(bad, PromptFormat.JSONL, COLS));
        assertTrue(e.getMessage().startsWith(bad + " row 2 (line 2): invalid JSON: "), e.getMessage());
        assertEquals(1, e.getMessage().lines().count());

        Path missing = write("missing.jsonl", "{\"id\": \"a\", \"prompt\": \"x\", \"group\": \"male\"}\n");
        e = assertThrows(PromptFileException.class, () -> PromptTables.read(missing, PromptFormat.JSONL, COLS));
        assertEquals(missing + " row 1 (line 1): missing key 'text' (keys found: id, prompt, group)", e.getMessage());

        Path array = write("array.jsonl", "[1, 2]\n");
        e = assertThrows(PromptFileException.class, () -> PromptTables.read(array, PromptFormat.JSONL, COLS));
        assertEquals(array + " row 1 (line 1): expected a JSON object {...}, found array", e.getMessage());

        Path nested = write("nested.jsonl", "{\"id\": \"a\", \"text\": {\"en\": \"x\"}, \"group\": \"male\"}\n");
        e = assertThrows(PromptFileException.class, () -> PromptTables.read(nested, PromptFormat.JSONL, COLS));
        assertEquals(nested + " row 1 (line 1), column 'text': expected a string, found a JSON object", e.getMessage());
    }

    @Test
    void missingFileAndMissingColumn() throws IOException {
        Path none = tmp.resolve("none.csv");
        PromptFileException e = assertThrows(PromptFileException.class, () -> PromptTables.read(none, PromptFormat.CSV, COLS));
        assertEquals(none + ": missing file", e.getMessage());

        Path file = write("p.csv", "id,prompt,category\na,b,c\n");
        e = assertThrows(PromptFileException.class, () -> PromptTables.read(file, PromptFormat.CSV, COLS));
        assertEquals(file + ": missing column 'text' (columns found: id, prompt, category)", e.getMessage());

        Path empty = write("empty.csv", "");
        e = assertThrows(PromptFileException.class, () -> PromptTables.read(empty, PromptFormat.CSV, COLS));
        assertTrue(e.getMessage().startsWith(empty + ": empty file"), e.getMessage());
    }

    @Test
    void invalidUtf8NamesTheFile() throws IOException {
        Path file = tmp.resolve("latin1.csv");
        Files.write(file, new byte[] {'t', 'e', 'x', 't', ',', 'g', '\n', 'c', (byte) 0xE9, ',', 'f', '\n'});
        PromptFileException e = assertThrows(PromptFileException.class,
                () -> PromptTables.read(file, PromptFormat.CSV, PromptColumns.of("text", "g")));
        assertTrue(e.getMessage().startsWith(file + " row 1: not valid UTF-8"), e.getMessage());
    }

    private Path write(String name, String content) throws IOException {
        return Files.writeString(tmp.resolve(name), content);
    }
}
