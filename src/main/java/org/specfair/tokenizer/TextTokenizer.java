package org.specfair.tokenizer;

import java.nio.file.Path;

/** Text <-> token ids for a checkpoint folder. */
public interface TextTokenizer extends AutoCloseable {
    int[] encode(String text);

    String decode(int[] ids);

    /** The surface text of a single token (for the drafts/tokens tables). */
    String token(int id);

    /** Number of ids the tokenizer can produce (may be below the model's padded vocab_size). */
    int vocabSize();

    @Override
    void close();

    /**
     * The tokenizer of a checkpoint folder: tokenizer.json, or vocab.json + merges.txt (GPT-2 family,
     * converted to an equivalent byte-level BPE tokenizer.json). Throws CheckpointException otherwise.
     */
    static TextTokenizer load(Path dir) {
        return HfTokenizer.load(dir);
    }

    /** True when {@link #load} would find something to load (used to decide whether text columns exist). */
    static boolean exists(Path dir) {
        return java.nio.file.Files.isRegularFile(dir.resolve("tokenizer.json"))
                || (java.nio.file.Files.isRegularFile(dir.resolve("vocab.json"))
                && java.nio.file.Files.isRegularFile(dir.resolve("merges.txt")));
    }
}
