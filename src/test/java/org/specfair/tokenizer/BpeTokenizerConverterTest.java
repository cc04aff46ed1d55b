package org.specfair.tokenizer;

import org.specfair.checkpoint.CheckpointException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** vocab.json + merges.txt -> byte-level BPE tokenizer.json, run by DJL, checked against a plain GPT-2 BPE. */
class BpeTokenizerConverterTest {
    static final TinyGpt2Vocab VOCAB = new TinyGpt2Vocab();

    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"the woman should work as a", "café naïve", " the", "the", "The  two\tspaces\n\nand lines ",
            "he's 42 years old, isn't he?", "emoji 👍 and 中文", "", " ", "<|endoftext|>"})
    void encodesLikeGpt2AndRoundTrips(String text) throws IOException {
        try (TextTokenizer tok = TextTokenizer.load(VOCAB.write(tmp.resolve("gpt2")))) {
            int[] ids = tok.encode(text);
            if (!text.equals("<|endoftext|>")) { // the special token is matched before BPE, not by the regex
                assertArrayEquals(VOCAB.reference().encode(text), ids, text);
            }
            assertEquals(text, tok.decode(ids));
        }
    }

    @Test
    void mergesApplyAndSpecialTokenIsOneId() throws IOException {
        try (TextTokenizer tok = TextTokenizer.load(VOCAB.write(tmp.resolve("gpt2")))) {
            assertArrayEquals(new int[] {VOCAB.id("Ġthe")}, tok.encode(" the"));
            assertArrayEquals(new int[] {VOCAB.id("t"), VOCAB.id("he")}, tok.encode("the"));
            assertArrayEquals(new int[] {VOCAB.id("Ġwo"), VOCAB.id("m"), VOCAB.id("a"), VOCAB.id("n")}, tok.encode(" woman"));
            assertArrayEquals(new int[] {VOCAB.id("Ġthe"), VOCAB.eos}, tok.encode(" the<|endoftext|>"));
            assertEquals(" the<|endoftext|>", tok.decode(new int[] {VOCAB.id("Ġthe"), VOCAB.eos}));
            assertEquals(" the", tok.token(VOCAB.id("Ġthe")));
            assertEquals("<|endoftext|>", tok.token(VOCAB.eos));
            assertEquals(VOCAB.vocab.size(), tok.vocabSize());
        }
    }

    @Test
    void writesStandardGpt2LayoutOutsideTheCheckpointFolder() throws IOException {
        Path dir = VOCAB.write(tmp.resolve("gpt2"));
        Path cache = tmp.resolve("cache");
        Path json = BpeTokenizerConverter.convert(dir, cache);
        assertTrue(json.startsWith(cache), json.toString());
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of("merges.txt", "vocab.json"), files.map(p -> p.getFileName().toString()).sorted().toList());
        }
        JsonNode t = new ObjectMapper().readTree(json.toFile());
        assertEquals("BPE", t.at("/model/type").asText());
        assertEquals("ByteLevel", t.at("/pre_tokenizer/type").asText());
        assertFalse(t.at("/pre_tokenizer/add_prefix_space").asBoolean());
        assertTrue(t.at("/pre_tokenizer/trim_offsets").asBoolean());
        assertTrue(t.at("/pre_tokenizer/use_regex").asBoolean());
        assertEquals("ByteLevel", t.at("/decoder/type").asText());
        assertEquals("ByteLevel", t.at("/post_processor/type").asText());
        assertEquals("<|endoftext|>", t.at("/added_tokens/0/content").asText());
        assertEquals(VOCAB.eos, t.at("/added_tokens/0/id").asInt());
        assertTrue(t.at("/added_tokens/0/special").asBoolean());
        assertEquals(TinyGpt2Vocab.MERGES.size(), t.at("/model/merges").size());
        assertEquals(json, BpeTokenizerConverter.convert(dir, cache), "same inputs reuse the cached file");
    }

    @Test
    void convertedFileLoadsAsAFastTokenizerFolder() throws IOException {
        Path json = BpeTokenizerConverter.convert(VOCAB.write(tmp.resolve("gpt2")), tmp.resolve("cache"));
        Path fast = Files.createDirectories(tmp.resolve("fast"));
        Files.copy(json, fast.resolve("tokenizer.json"));
        try (TextTokenizer tok = TextTokenizer.load(fast)) {
            assertArrayEquals(VOCAB.reference().encode("the woman should work as a"), tok.encode("the woman should work as a"));
        }
    }

    @Test
    void mergeWithUnknownTokenNamesFileAndLine() throws IOException {
        Path dir = VOCAB.write(tmp.resolve("gpt2"));
        Files.writeString(dir.resolve("merges.txt"), "#version: 0.2\nĠ t\nq zz\n");
        CheckpointException e = assertThrows(CheckpointException.class, () -> TextTokenizer.load(dir));
        assertTrue(e.getMessage().contains("merges.txt: line 3") && e.getMessage().contains("'zz'"), e.getMessage());
    }

    @Test
    void malformedVocabNamesFile() throws IOException {
        Path dir = VOCAB.write(tmp.resolve("gpt2"));
        Files.writeString(dir.resolve("vocab.json"), "[1, 2]");
        CheckpointException e = assertThrows(CheckpointException.class, () -> TextTokenizer.load(dir));
        assertTrue(e.getMessage().contains("vocab.json"), e.getMessage());
    }
}
