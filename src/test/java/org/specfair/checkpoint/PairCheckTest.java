package org.specfair.checkpoint;

import org.specfair.tokenizer.TinyGpt2Vocab;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A (main, assistant) pair must share its vocabulary: sizes and, where present, tokenizers. */
class PairCheckTest {
    static Path folder(Path dir, int vocab, Map<String, Integer> tokens) throws Exception {
        Files.createDirectories(dir);
        ModelConfig c = new ModelConfig("gpt2", vocab, 8, 1, 2, 2, 32, 16, 1e-5, 0, 0, new boolean[1], "gelu_new",
                true, vocab - 1, vocab - 1, "float32");
        new ObjectMapper().writeValue(dir.resolve("config.json").toFile(), c.toJson());
        if (tokens != null) {
            new ObjectMapper().writeValue(dir.resolve("vocab.json").toFile(), tokens);
            Files.writeString(dir.resolve("merges.txt"), "#version: 0.2\n" + String.join("\n", TinyGpt2Vocab.MERGES) + "\n");
        }
        return dir;
    }

    @Test
    void sameTokenizerPasses(@TempDir Path tmp) throws Exception {
        TinyGpt2Vocab v = new TinyGpt2Vocab();
        assertDoesNotThrow(() -> PairCheck.requireSameVocabulary(folder(tmp.resolve("a"), v.vocab.size(), v.vocab),
                folder(tmp.resolve("b"), v.vocab.size(), v.vocab)));
    }

    @Test
    void differentSizesOrTokensAreRefused(@TempDir Path tmp) throws Exception {
        TinyGpt2Vocab v = new TinyGpt2Vocab();
        Path a = folder(tmp.resolve("a"), v.vocab.size(), v.vocab);
        CheckpointException size = assertThrows(CheckpointException.class,
                () -> PairCheck.requireSameVocabulary(a, folder(tmp.resolve("b"), v.vocab.size() + 1, null)));
        assertTrue(size.getMessage().contains("different vocabularies"), size.getMessage());

        Map<String, Integer> swapped = new LinkedHashMap<>(v.vocab);
        swapped.put("a", v.id("b"));
        swapped.put("b", v.id("a"));
        CheckpointException tok = assertThrows(CheckpointException.class,
                () -> PairCheck.requireSameVocabulary(a, folder(tmp.resolve("c"), v.vocab.size(), swapped)));
        assertTrue(tok.getMessage().contains("different tokenizers"), tok.getMessage());
    }
}
