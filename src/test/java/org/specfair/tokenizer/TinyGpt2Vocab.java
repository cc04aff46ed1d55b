package org.specfair.tokenizer;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A miniature GPT-2 slow tokenizer: the 256 byte-level symbols (ids 0..255 in byte order), a handful of
 * merges so that " the" is one token, and {@code <|endoftext|>} last, written as vocab.json + merges.txt.
 */
public final class TinyGpt2Vocab {
    public static final List<String> MERGES = List.of("Ġ t", "h e", "Ġt he", "Ġ w", "a s", "Ġw o");

    public final Map<String, Integer> vocab = new LinkedHashMap<>();
    final int eos;

    public TinyGpt2Vocab() {
        for (char c : ByteLevelBpeReference.bytesToUnicode()) {
            vocab.put(String.valueOf(c), vocab.size());
        }
        for (String merge : MERGES) {
            vocab.put(merge.replace(" ", ""), vocab.size());
        }
        eos = vocab.size();
        vocab.put("<|endoftext|>", eos);
    }

    public int id(String token) {
        return vocab.get(token);
    }

    public Path write(Path dir) throws IOException {
        Files.createDirectories(dir);
        new ObjectMapper().writeValue(dir.resolve("vocab.json").toFile(), vocab);
        Files.writeString(dir.resolve("merges.txt"), "#version: 0.2\n" + String.join("\n", MERGES) + "\n");
        return dir;
    }

    ByteLevelBpeReference reference() {
        return new ByteLevelBpeReference(vocab, MERGES);
    }
}
