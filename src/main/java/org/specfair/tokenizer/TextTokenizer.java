package org.specfair.tokenizer;

import java.nio.file.Path;

/** Text <-> token ids for a checkpoint folder. */
public interface TextTokenizer extends AutoCloseable {
    /**
     * Text to ids as {@code transformers}' {@code tokenizer(text)} gives them: with the special tokens the tokenizer
     * defines (LLaMA-family: {@code <s>} first; GPT-2/GPT-Neo: none).
     */
    default int[] encode(String text) {
        return encode(text, true);
    }

    /** Text to ids; {@code addSpecialTokens=false} is {@code tokenizer(text, add_special_tokens=False)}. */
    int[] encode(String text, boolean addSpecialTokens);

    /** The tokenizer's declared bos token (tokenizer_config.json), or -1. */
    int bosTokenId();

    /** The tokenizer's declared eos token(s) (tokenizer_config.json); empty when none is declared. */
    int[] eosTokenIds();

    String decode(int[] ids);

    /** The surface text of a single token as it reads inside a text, leading space kept (drafts/tokens tables). */
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
