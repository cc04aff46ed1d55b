package org.specfair.checkpoint;

import org.specfair.lm.Golden;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** generation_config.json: eos lists as transformers applies them, fingerprinted, unsupported settings refused by key. */
class GenerationConfigTest {
    @TempDir
    Path tmp;

    Path copy(String golden) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve(golden));
        try (var files = Files.list(Golden.dir(golden))) {
            for (Path f : files.toList()) {
                Files.copy(f, dir.resolve(f.getFileName()));
            }
        }
        return dir;
    }

    @Test
    void eosListReplacesConfigJsonsAndChangesTheFingerprint() throws IOException {
        Path dir = copy("neo-main-tiny");
        String before = Checkpoint.open(dir).fingerprint();
        Files.writeString(dir.resolve("generation_config.json"),
                "{\"bos_token_id\": 1, \"eos_token_id\": [63, 7], \"pad_token_id\": 0, \"transformers_version\": \"4.45.0\"}");
        Checkpoint after = Checkpoint.open(dir);
        assertArrayEquals(new int[] {63, 7}, after.config().eosTokenIds());
        assertEquals(63, after.config().eosTokenId());
        assertNotEquals(before, after.fingerprint());
        GenerationConfig g = GenerationConfig.read(dir);
        assertEquals(0, g.padTokenId());
        assertNull(g.temperature());
    }

    @Test
    void configJsonMayListSeveralEosIds() throws IOException {
        Path dir = copy("neo-main-tiny");
        String json = Files.readString(dir.resolve("config.json")).replaceFirst("\"eos_token_id\"\\s*:\\s*\\d+", "\"eos_token_id\": [5, 9]");
        Files.writeString(dir.resolve("config.json"), json);
        assertArrayEquals(new int[] {5, 9}, Checkpoint.open(dir).config().eosTokenIds());
        assertTrue(ModelConfig.read(dir.resolve("config.json")).toJson().get("eos_token_id").isArray());
    }

    @Test
    void unsupportedSettingsAreRefusedByKey() throws IOException {
        Path dir = copy("neo-main-tiny");
        Files.writeString(dir.resolve("generation_config.json"), "{\"eos_token_id\": 2, \"repetition_penalty\": 1.2}");
        CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoint.open(dir));
        assertTrue(e.getMessage().startsWith(dir.resolve("generation_config.json") + ": repetition_penalty=1.2 is not supported"),
                e.getMessage());
        Files.writeString(dir.resolve("generation_config.json"), "{\"eos_token_id\": 2, \"repetition_penalty\": 1.0, \"num_beams\": 1}");
        assertArrayEquals(new int[] {2}, Checkpoint.open(dir).config().eosTokenIds()); // neutral values are fine
        Files.writeString(dir.resolve("generation_config.json"), "{\"eos_token_id\": \"</s>\"}");
        CheckpointException bad = assertThrows(CheckpointException.class, () -> Checkpoint.open(dir));
        assertTrue(bad.getMessage().contains("'eos_token_id' must be a token id or a list of token ids"), bad.getMessage());
    }
}
