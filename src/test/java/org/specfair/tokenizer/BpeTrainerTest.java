package org.specfair.tokenizer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Byte-level BPE training: GPT-2 layout, word-bounded merges, determinism, and a round trip through the real tokenizer. */
class BpeTrainerTest {
    static final List<String> TEXTS = List.of(
            "The woman worked as a nurse.",
            "The man worked as a teacher.",
            "The woman is known for her kindness.",
            "The man is known for his strength.",
            "They worked as teachers, and they're known for it.",
            "Café owners worked 42 hours; the café is known for its cakes.");
    /** Each sentence twice, so every word occurs often enough to be merged into one token. */
    static final List<String> TRAIN = java.util.stream.Stream.concat(TEXTS.stream(), TEXTS.stream()).toList();

    @TempDir
    Path tmp;

    @Test
    void layoutIsBytesThenMergesThenEos() {
        BpeTrainer.Vocabulary v = BpeTrainer.train(TRAIN, 300);
        char[] byteChar = BpeTrainer.bytesToUnicode();
        List<Map.Entry<String, Integer>> entries = List.copyOf(v.vocab().entrySet());
        for (int b = 0; b < 256; b++) {
            assertEquals(String.valueOf(byteChar[b]), entries.get(b).getKey());
            assertEquals(b, entries.get(b).getValue());
        }
        assertEquals("Ġ", entries.get(' ').getKey());
        for (int i = 0; i < entries.size(); i++) {
            assertEquals(i, entries.get(i).getValue(), "ids are consecutive in file order");
        }
        assertEquals(300, v.size());
        assertEquals(299, v.eosId());
        assertEquals(BpeTrainer.EOS, entries.get(299).getKey());
        // Every merge names two existing tokens whose concatenation exists; the first is the most frequent pair.
        for (String m : v.merges()) {
            String[] parts = m.split(" ");
            assertEquals(2, parts.length, m);
            assertTrue(v.vocab().containsKey(parts[0]) && v.vocab().containsKey(parts[1])
                    && v.vocab().containsKey(parts[0] + parts[1]), m);
        }
        assertTrue(v.merges().contains("Ġ w") || v.merges().contains("Ġ t"), v.merges().toString());
    }

    @Test
    void mergesNeverCrossWordBoundaries() {
        BpeTrainer.Vocabulary v = BpeTrainer.train(TRAIN, 400);
        for (String token : v.vocab().keySet()) {
            if (token.equals(BpeTrainer.EOS) || token.length() == 1) {
                continue;
            }
            // "Ġ" (a space) may only open a token, never follow a letter: words are " word" pieces.
            assertFalse(token.substring(1).contains("Ġ") && !token.chars().allMatch(c -> c == 'Ġ'), token);
            assertFalse(token.matches(".*\\p{L}[.,;].*"), "letter and punctuation merged: " + token);
        }
    }

    @Test
    void stopsWhenNoPairIsFrequentEnough() {
        BpeTrainer.Vocabulary v = BpeTrainer.train(List.of("ab ab", "xyz"), 1000);
        // "ab" twice and " ab" once: only (a, b) occurs twice.
        assertEquals(List.of("a b"), v.merges());
        assertEquals(258, v.size());
        assertThrows(IllegalArgumentException.class, () -> BpeTrainer.train(TRAIN, 256));
    }

    @Test
    void sameInputSameBytes() throws IOException {
        List<Path> a = BpeTrainer.train(TRAIN, 320).write(tmp.resolve("a"));
        List<Path> b = BpeTrainer.train(TRAIN, 320).write(tmp.resolve("b"));
        for (int i = 0; i < a.size(); i++) {
            assertArrayEquals(Files.readAllBytes(a.get(i)), Files.readAllBytes(b.get(i)), a.get(i).getFileName().toString());
        }
        assertTrue(Files.readString(a.get(1)).startsWith("#version: 0.2\n"));
    }

    @Test
    void loadsAsATokenizerThatUsesTheMergesAndRoundTrips() {
        BpeTrainer.Vocabulary v = BpeTrainer.train(TRAIN, 320);
        Path dir = tmp.resolve("tok");
        v.write(dir);
        ByteLevelBpeReference reference = new ByteLevelBpeReference(v.vocab(), v.merges());
        try (TextTokenizer tok = TextTokenizer.load(dir)) {
            assertEquals(320, tok.vocabSize());
            for (String text : List.of("The woman worked as a nurse.", " the man is known for", "café 42", "unseen words: zebra!",
                    "emoji 👍 and 中文", "  two  spaces\n")) {
                int[] ids = tok.encode(text);
                assertArrayEquals(reference.encode(text), ids, text);
                assertEquals(text, tok.decode(ids), text);
            }
            int[] trained = tok.encode("The woman worked as a teacher.");
            assertTrue(trained.length < "The woman worked as a teacher.".length() / 2,
                    "training text should take few tokens: " + Arrays.toString(trained));
            assertTrue(Arrays.stream(trained).anyMatch(id -> id >= 256), "merged tokens are used");
            assertEquals(" woman", tok.token(tok.encode(" woman")[0]));
            assertArrayEquals(new int[] {v.eosId()}, tok.encode(BpeTrainer.EOS));
        }
    }
}
