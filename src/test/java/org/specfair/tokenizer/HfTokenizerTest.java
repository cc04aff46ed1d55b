package org.specfair.tokenizer;

import org.specfair.checkpoint.CheckpointException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Loading rules and settings of the DJL-backed tokenizer: exact ids, no truncation, one-line refusals. */
class HfTokenizerTest {
    @TempDir
    Path tmp;

    @Test
    void longTextIsNeitherTruncatedNorPadded() throws IOException {
        try (TextTokenizer tok = TextTokenizer.load(new TinyGpt2Vocab().write(tmp.resolve("gpt2")))) {
            String text = " the".repeat(2000); // DJL would cut at 512 ids by default
            assertEquals(2000, tok.encode(text).length);
            assertEquals(text, tok.decode(tok.encode(text)));
        }
    }

    @Test
    void pieceOfAMultiByteCharacterDecodesAsReplacementCharacter() throws IOException {
        try (TextTokenizer tok = TextTokenizer.load(new TinyGpt2Vocab().write(tmp.resolve("gpt2")))) {
            int[] ids = tok.encode("é"); // two bytes, no merge: two ids
            assertEquals(2, ids.length);
            assertEquals("\uFFFD", tok.token(ids[0]));
        }
    }

    @Test
    void sentencePieceOnlyFolderIsRefusedWithAHint() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("llama"));
        Files.write(dir.resolve("tokenizer.model"), new byte[] {1, 2, 3});
        CheckpointException e = assertThrows(CheckpointException.class, () -> TextTokenizer.load(dir));
        assertTrue(e.getMessage().startsWith(dir + ": only a SentencePiece tokenizer.model"), e.getMessage());
        assertTrue(e.getMessage().contains("save_pretrained"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    @Test
    void folderWithoutTokenizer() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("empty"));
        Files.writeString(dir.resolve("vocab.json"), "{}"); // half a slow tokenizer is no tokenizer
        CheckpointException e = assertThrows(CheckpointException.class, () -> TextTokenizer.load(dir));
        assertEquals(dir + ": no tokenizer (tokenizer.json, or vocab.json + merges.txt)", e.getMessage());
        assertFalse(TextTokenizer.exists(dir));
    }

    @Test
    void malformedTokenizerJsonNamesTheFile() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("bad"));
        Files.writeString(dir.resolve("tokenizer.json"), "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": 7}}");
        CheckpointException e = assertThrows(CheckpointException.class, () -> TextTokenizer.load(dir));
        assertTrue(e.getMessage().startsWith(dir.resolve("tokenizer.json") + ": "), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }
}
