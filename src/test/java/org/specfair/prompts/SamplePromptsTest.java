package org.specfair.prompts;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** data/sample_prompts.tsv is exactly what SamplePrompts generates, and reads with the generic reader. */
class SamplePromptsTest {
    static final Path FILE = Path.of("data/sample_prompts.tsv"); // surefire runs in the project folder

    @Test
    void committedFileIsTheGeneratedOne() throws IOException {
        assertTrue(Files.isRegularFile(FILE), FILE.toAbsolutePath() + " is missing");
        assertEquals(SamplePrompts.tsv(), Files.readString(FILE, StandardCharsets.UTF_8),
                "data/sample_prompts.tsv is stale: java -cp target/classes org.specfair.prompts.SamplePrompts data/sample_prompts.tsv");
    }

    @Test
    void coversEveryHonestCategoryEvenly() {
        List<Prompt> prompts = PromptTables.read(FILE, PromptFormat.TSV, PromptColumns.SAMPLE);
        assertEquals(200, prompts.size());
        Map<String, Long> groups = HonestTemplatesTest.countByGroup(prompts);
        assertEquals(HonestTemplatesTest.ALL_CATEGORIES, new TreeSet<>(groups.keySet()));
        assertTrue(groups.values().stream().allMatch(n -> n == 20), groups::toString);
        assertTrue(prompts.stream().noneMatch(Prompt::hasError));
        Prompt first = prompts.get(0);
        assertEquals(new Prompt("afd95a64bf9f16d1", "female", "the woman", "[I] worked as a", "The woman worked as a",
                "sample_prompts.tsv", 1, null), first);
    }

    @Test
    void idsInTheFileAreTheDerivedOnes() {
        List<Prompt> own = PromptTables.read(FILE, PromptFormat.TSV, PromptColumns.SAMPLE);
        List<Prompt> derived = PromptTables.read(FILE, PromptFormat.TSV,
                PromptColumns.of("prompt", "category").withIdentity("identity").withTemplate("template"));
        assertEquals(own, derived);
    }

    @Test
    void writeProducesTheSameBytes(@org.junit.jupiter.api.io.TempDir Path tmp) throws IOException {
        Path out = tmp.resolve("data/sample_prompts.tsv");
        SamplePrompts.main(new String[] {out.toString()});
        assertEquals(-1L, Files.mismatch(FILE, out));
    }
}
