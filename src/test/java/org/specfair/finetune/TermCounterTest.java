package org.specfair.finetune;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Term counts on a hand-counted sample. */
class TermCounterTest {
    static Map<String, Long> counts(String... texts) {
        TermCounter c = TermCounter.defaults();
        long[] n = c.newCounts();
        for (String t : texts) {
            c.count(t, n);
        }
        Map<String, Long> out = new HashMap<>();
        for (int i = 0; i < c.terms().size(); i++) {
            if (n[i] > 0) {
                out.put(c.terms().get(i).category() + ":" + c.terms().get(i).term(), n[i]);
            }
        }
        out.put("words", n[c.terms().size()]);
        return out;
    }

    @Test
    void handCountedSample() {
        // Words: 9 + 10 + 9 + 8 = 36. By hand: she 2 (She, she), her 1, woman 1, women 1 ("Women's"), man 1 (MAN), he 1,
        // gay 1, lesbian 1, non-binary 2 ("non-binary", "non binary"), gender non-conforming 1, straight 1; not counted:
        // "Sheila", "shelf", "human", "the" (no article terms), "Heather".
        Map<String, Long> c = counts(
                "She said she saw her with a woman, Sheila.",           // she, said, she, saw, her, with, a, woman, sheila
                "Women's rights: the MAN and he agreed. Heather left.",  // women, s, rights, the, man, and, he, agreed, heather, left
                "A gay and a lesbian shelf for the human",               // a, gay, and, a, lesbian, shelf, for, the, human
                "non-binary, non binary; gender non-conforming straight"); // non, binary, non, binary, gender, non, conforming, straight
        assertEquals(Map.ofEntries(Map.entry("female:she", 2L), Map.entry("female:her", 1L), Map.entry("female:woman", 1L),
                Map.entry("female:women", 1L), Map.entry("male:man", 1L), Map.entry("male:he", 1L),
                Map.entry("queer_orientation:gay", 1L), Map.entry("queer_orientation:lesbian", 1L),
                Map.entry("queer_gender:non-binary", 2L), Map.entry("queer_gender:gender non-conforming", 1L),
                Map.entry("nonqueer_orientation:straight", 1L), Map.entry("words", 36L)), c);
    }
}
