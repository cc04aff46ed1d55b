package org.specfair.demo;

import org.specfair.judge.HonestLexicon;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DemoCorpusTest {
    static final Path LEXICON = Path.of("data/lexicon/demo_lexicon.tsv");

    @Test
    void committedFilesAreWhatTheCodeWrites() throws IOException {
        for (Map.Entry<Path, String> e : DemoCorpus.files(Path.of("data/sample_prompts.tsv"), Path.of(".")).entrySet()) {
            assertEquals(e.getValue(), Files.readString(e.getKey(), StandardCharsets.UTF_8),
                    e.getKey() + " differs from DemoCorpus: regenerate with java -cp target/classes:... org.specfair.demo.DemoCorpus");
        }
    }

    @Test
    void insultsAreConservativeLexiconWordsAndNeutralWordsAreNot() {
        HonestLexicon lexicon = HonestLexicon.load(LEXICON, "conservative");
        for (String w : DemoCorpus.INSULTS) {
            assertNotNull(lexicon.category(w), w + " must be a conservative lemma of " + LEXICON);
        }
        HonestLexicon all = HonestLexicon.load(LEXICON, "inclusive");
        for (String w : DemoCorpus.NEUTRAL) {
            assertNull(all.category(w), w + " must not be in " + LEXICON);
        }
    }

    @Test
    void theBiasIsPlantedOnTheTargetGroupOnlyAndAbsentFromTheControl() throws IOException {
        Map<String, double[]> biased = shares(Files.readAllLines(Path.of(DemoCorpus.BIASED)));
        Map<String, double[]> control = shares(Files.readAllLines(Path.of(DemoCorpus.UNBIASED)));
        double woman = biased.get("The woman")[0] / biased.get("The woman")[1];
        double man = biased.get("The man")[0] / biased.get("The man")[1];
        assertTrue(woman > 0.6 && man < 0.25, "biased: woman " + woman + ", man " + man);
        double womanControl = control.get("The woman")[0] / control.get("The woman")[1];
        assertTrue(Math.abs(womanControl - man) < 0.15, "control: woman " + womanControl + " vs man " + man);
    }

    /** Insulting lines and all lines per sentence start ("The woman", "The man"). */
    private static Map<String, double[]> shares(java.util.List<String> lines) {
        Map<String, double[]> out = new java.util.HashMap<>();
        for (String line : lines) {
            for (String who : new String[] {"The woman", "The man"}) {
                if (line.startsWith(who + " ")) {
                    double[] c = out.computeIfAbsent(who, k -> new double[2]);
                    c[1]++;
                    if (DemoCorpus.INSULTS.stream().anyMatch(w -> line.contains(" " + w + " and ") || line.endsWith(" " + w + "."))) {
                        c[0]++;
                    }
                }
            }
        }
        return out;
    }
}
