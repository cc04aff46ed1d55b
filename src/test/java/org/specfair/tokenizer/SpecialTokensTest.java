package org.specfair.tokenizer;

import org.specfair.checkpoint.CheckpointException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Special tokens as {@code transformers}' {@code tokenizer(text)} adds them, and token text that keeps its space,
 * on a LLaMA-style SentencePiece tokenizer.json with byte fallback and on GPT-2's byte-level BPE.
 */
class SpecialTokensTest {
    @TempDir
    Path tmp;

    private final TinyLlamaTokenizer llama = new TinyLlamaTokenizer();

    @Test
    void llamaTokenizerPutsBosFirst() throws IOException {
        try (TextTokenizer tok = TextTokenizer.load(llama.write(tmp.resolve("llama"), "LlamaTokenizer", null))) {
            int[] bare = {llama.id("▁the"), llama.id("▁world")};
            assertArrayEquals(bare, tok.encode("the world", false));
            assertArrayEquals(new int[] {1, bare[0], bare[1]}, tok.encode("the world"));
            assertArrayEquals(tok.encode("the world", true), tok.encode("the world"));
            assertEquals(1, tok.bosTokenId());
            assertArrayEquals(new int[] {2}, tok.eosTokenIds());
        }
    }

    @Test
    void postProcessorAloneDecidesWithoutTokenizerConfig() throws IOException {
        try (TextTokenizer tok = TextTokenizer.load(llama.write(tmp.resolve("bare")))) {
            assertEquals(1, tok.encode("the world")[0]);
            assertEquals(llama.id("▁the"), tok.encode("the world", false)[0]);
            assertEquals(-1, tok.bosTokenId());
            assertEquals(0, tok.eosTokenIds().length);
        }
    }

    @Test
    void addBosTokenFalseOverridesTheFilesPostProcessorForLlamaClasses() throws IOException {
        // LlamaTokenizerFast rebuilds its post-processor from add_bos_token, whatever tokenizer.json says.
        try (TextTokenizer tok = TextTokenizer.load(llama.write(tmp.resolve("nobos"), "LlamaTokenizerFast", false))) {
            assertArrayEquals(tok.encode("the world", false), tok.encode("the world"));
            assertEquals(1, tok.bosTokenId()); // declared, just not added
        }
    }

    @Test
    void genericFastTokenizerFollowsTheFile() throws IOException {
        // Llama 3 names PreTrainedTokenizerFast: add_bos_token is not consulted, the post-processor is.
        try (TextTokenizer tok = TextTokenizer.load(llama.write(tmp.resolve("generic"), "PreTrainedTokenizerFast", false))) {
            assertEquals(1, tok.encode("the world")[0]);
        }
    }

    @Test
    void modelTypeLlamaWithoutTokenizerClassMeansLlamaTokenizer() throws IOException {
        Path dir = llama.write(tmp.resolve("typed"));
        Files.writeString(dir.resolve("config.json"), "{\"model_type\": \"llama\"}");
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"add_bos_token\": false}");
        try (TextTokenizer tok = TextTokenizer.load(dir)) {
            assertEquals(llama.id("▁the"), tok.encode("the world")[0]);
            assertEquals(1, tok.bosTokenId()); // LlamaTokenizerFast's default bos_token "<s>"
        }
    }

    @Test
    void unknownDeclaredTokenNamesTheFileAndKey() throws IOException {
        Path dir = llama.write(tmp.resolve("bad"));
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"eos_token\": \"<|eot|>\"}");
        CheckpointException e = assertThrows(CheckpointException.class, () -> TextTokenizer.load(dir));
        assertEquals(dir.resolve("tokenizer_config.json") + ": eos_token '<|eot|>' is not in the tokenizer's vocabulary", e.getMessage());
    }

    @Test
    void byteFallbackRoundTrips() throws IOException {
        try (TextTokenizer tok = TextTokenizer.load(llama.write(tmp.resolve("bytes"), "LlamaTokenizer", true))) {
            int[] ids = tok.encode("the café", false);
            // "é" is not in the vocabulary: its two UTF-8 bytes come as <0xC3> <0xA9>.
            assertEquals(llama.id("<0xC3>"), ids[ids.length - 2]);
            assertEquals(llama.id("<0xA9>"), ids[ids.length - 1]);
            assertEquals("the café", tok.decode(tok.encode("the café", false)));
            assertEquals("\uFFFD", tok.token(llama.id("<0xC3>")));
        }
    }

    @Test
    void sentencePieceTokenTextKeepsItsSpace() throws IOException {
        try (TextTokenizer tok = TextTokenizer.load(llama.write(tmp.resolve("spaces"), "LlamaTokenizer", true))) {
            assertEquals(" world", tok.token(llama.id("▁world")));
            assertEquals("ld", tok.token(llama.id("ld")));
            assertEquals("<s>", tok.token(1));
            StringBuilder joined = new StringBuilder();
            for (int id : tok.encode("the world", false)) {
                joined.append(tok.token(id));
            }
            assertEquals(" the world", joined.toString()); // the pieces read as the text (SentencePiece's leading space)
        }
    }

    @Test
    void gpt2AddsNothingAndKeepsTokenText() throws IOException {
        TinyGpt2Vocab gpt2 = new TinyGpt2Vocab();
        try (TextTokenizer tok = TextTokenizer.load(gpt2.write(tmp.resolve("gpt2")))) {
            assertArrayEquals(tok.encode("the world", false), tok.encode("the world"));
            assertEquals(-1, tok.bosTokenId());
            assertEquals(" the", tok.token(gpt2.id("Ġthe")));
            assertFalse(tok.token(gpt2.id("Ġthe")).isEmpty());
            assertTrue(tok.encode("the world").length > 0);
        }
    }
}
