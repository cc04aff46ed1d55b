package org.specfair.cli;

import org.specfair.tokenizer.TinyGpt2Vocab;
import org.specfair.tokenizer.TinyLlamaTokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/** `specfair generate --prompt` encodes as transformers' tokenizer(text): LLaMA gets its BOS, GPT-2 nothing. */
class PromptSpecialTokensCliTest {
    @TempDir
    Path tmp;

    @Test
    void llamaPromptStartsWithBos() throws Exception {
        Path dir = tmp.resolve("llama");
        MakeCheckpointCommandTest.run(0, "make-checkpoint", "--preset", "llama-tiny", "--out", dir.toString());
        TinyLlamaTokenizer tok = new TinyLlamaTokenizer();
        tok.write(dir, "LlamaTokenizerFast", null);
        JsonNode g = generate(dir);
        assertEquals("[1," + tok.id("▁the") + "," + tok.id("▁world") + "]", g.get("prompt_ids").toString());
    }

    @Test
    void gpt2PromptHasNoSpecialTokens() throws Exception {
        Path dir = tmp.resolve("neo");
        MakeCheckpointCommandTest.run(0, "make-checkpoint", "--preset", "tiny-neo-main", "--out", dir.toString());
        TinyGpt2Vocab vocab = new TinyGpt2Vocab();
        vocab.write(dir);
        JsonNode g = generate(dir);
        assertEquals(vocab.id("t"), g.get("prompt_ids").get(0).asInt());
        assertEquals(vocab.id("Ġwo"), g.get("prompt_ids").get(2).asInt());
        assertNotEquals(vocab.id("<|endoftext|>"), g.get("prompt_ids").get(0).asInt());
    }

    private static JsonNode generate(Path dir) throws Exception {
        CliTest.Result r = CliTest.run("generate", "--main", dir.toString(), "--prompt", "the world", "--mode", "main-only",
                "--max-new-tokens", "2", "--temperature", "0");
        assertEquals(0, r.code(), r.err());
        return new ObjectMapper().readTree(r.out());
    }
}
