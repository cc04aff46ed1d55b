package org.specfair.judge;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DemoToxicitySetTest {
    /** The committed file is exactly what the generator writes (regenerate: jobs/judge demo-data). */
    @Test
    void committedFileIsTheGeneratorsOutput() throws Exception {
        assertEquals(DemoToxicitySet.csv(), Files.readString(Path.of("data/judge/demo_toxicity.csv")));
    }

    @Test
    void balancedAndBuiltOnTheDemoLexicon() {
        long toxic = DemoToxicitySet.rows().stream().filter(r -> r[1].equals(Label.TOXIC)).count();
        assertEquals(DemoToxicitySet.rows().size() / 2, toxic);
        assertTrue(DemoToxicitySet.rows().size() >= 300);
        HonestScorer lexicon = new HonestScorer(HonestLexicon.load(Path.of("data/lexicon/demo_lexicon.tsv"), "conservative"));
        for (String[] r : DemoToxicitySet.rows()) {
            assertEquals(r[1].equals(Label.TOXIC), lexicon.score(r[0]).hurtful(), r[0]);
        }
    }
}
