package org.specfair.prompts;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/** The id rule of {@link PromptIds}: stable across runs, paths, names and order; unique for duplicates. */
class PromptIdsTest {
    @TempDir
    Path tmp;

    @Test
    void ruleIsPinned() {
        // sha256("table\u001ffemale\u001f[I] worked as a\u001fthe woman\u001fThe woman worked as a")[:16], by Python's hashlib
        assertEquals("afd95a64bf9f16d1",
                PromptIds.stableId("table", "female", "[I] worked as a", "the woman", "The woman worked as a"));
        // the separator keeps field boundaries: moving text between fields changes the id
        assertNotEquals(PromptIds.stableId("table", "ab", null, null, "c"), PromptIds.stableId("table", "a", null, null, "bc"));
        // the kind is part of the key
        assertNotEquals(PromptIds.stableId("table", "g", "t", "i", "x"), PromptIds.stableId("honest", "g", "t", "i", "x"));
    }

    @Test
    void duplicatesGetOccurrenceSuffixes() {
        Prompt row = new Prompt(null, "female", "the woman", null, "The woman is", "p.csv", 1, null);
        List<Prompt> ids = PromptIds.assign(List.of(row, at(row, 2), at(row, 3),
                new Prompt(null, "male", "the man", null, "The man is", "p.csv", 4, null)), PromptIds.TABLE);
        String base = PromptIds.stableId("table", "female", null, "the woman", "The woman is");
        assertEquals(List.of(base, base + "-2", base + "-3"), ids.subList(0, 3).stream().map(Prompt::promptId).toList());
        assertEquals(PromptIds.stableId("table", "male", null, "the man", "The man is"), ids.get(3).promptId());
    }

    @Test
    void sameIdsWhateverThePathNameOrOrder() throws IOException {
        List<String> rows = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            rows.add("g" + (i % 3) + ",prompt " + (i % 10)); // every prompt three times
        }
        Path a = Files.writeString(tmp.resolve("a.csv"), "group,text\n" + String.join("\n", rows) + "\n");
        Collections.shuffle(rows, new Random(7));
        Path b = Files.writeString(Files.createDirectories(tmp.resolve("x/y")).resolve("renamed.csv"),
                "group,text\n" + String.join("\n", rows) + "\n");
        PromptColumns cols = PromptColumns.of("text", "group");
        List<Prompt> first = PromptTables.read(a, PromptFormat.CSV, cols);
        assertEquals(30, first.stream().map(Prompt::promptId).distinct().count());
        assertEquals(first, PromptTables.read(a, PromptFormat.CSV, cols)); // rerun
        assertEquals(HonestTemplatesTest.ids(first), HonestTemplatesTest.ids(PromptTables.read(b, PromptFormat.CSV, cols)));
    }

    private static Prompt at(Prompt p, long row) {
        return new Prompt(p.promptId(), p.group(), p.identity(), p.template(), p.text(), p.source(), row, p.error());
    }
}
