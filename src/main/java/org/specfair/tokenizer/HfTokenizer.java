package org.specfair.tokenizer;

import org.specfair.checkpoint.CheckpointException;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.huggingface.tokenizers.jni.LibUtils;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A checkpoint folder's tokenizer through DJL's binding of the Rust {@code tokenizers} library, the same
 * code {@code transformers}' fast tokenizers run, so {@code encode(text, true)} matches {@code tokenizer(text)} and
 * {@code encode(text, false)} matches {@code tokenizer(text, add_special_tokens=False)}; which special tokens are added
 * is decided as {@code transformers} decides it ({@link SpecialTokens}).
 *
 * <p>Settings differ from DJL's defaults on purpose: DJL adds special tokens, truncates to 512 tokens and
 * pads unless told otherwise; a prompt must come back as exactly its own ids, whatever its length.
 */
final class HfTokenizer implements TextTokenizer {
    private static final Map<String, String> EXACT = Map.of(
            "addSpecialTokens", "false", "truncation", "false", "padding", "false");

    private final HuggingFaceTokenizer tokenizer;
    private final int vocabSize;
    private final SpecialTokens special;
    /** A plain word piece decoded before a token to learn its text in context (see {@link #token}); -1 if none. */
    private final long anchor;
    private final String anchorText;

    private HfTokenizer(HuggingFaceTokenizer tokenizer, int vocabSize, SpecialTokens special) {
        this.tokenizer = tokenizer;
        this.vocabSize = vocabSize;
        this.special = special;
        long[] a = tokenizer.encode("a", false, false).getIds();
        this.anchor = a.length == 0 ? -1 : a[a.length - 1];
        this.anchorText = anchor < 0 ? "" : tokenizer.decode(new long[] {anchor}, false);
    }

    /** tokenizer.json, else vocab.json + merges.txt (converted), else a one-line reason why not. */
    static TextTokenizer load(Path dir) {
        Path json = dir.resolve("tokenizer.json");
        if (Files.isRegularFile(json)) {
            return fromJson(json, dir);
        }
        if (Files.isRegularFile(dir.resolve("vocab.json")) && Files.isRegularFile(dir.resolve("merges.txt"))) {
            return fromJson(BpeTokenizerConverter.convert(dir), dir);
        }
        if (Files.isRegularFile(dir.resolve("tokenizer.model"))) {
            throw new CheckpointException(dir + ": only a SentencePiece tokenizer.model; save a fast tokenizer once with"
                    + " python -c \"from transformers import AutoTokenizer as T; T.from_pretrained('" + dir
                    + "').save_pretrained('" + dir + "')\" (writes tokenizer.json)");
        }
        throw new CheckpointException(dir + ": no tokenizer (tokenizer.json, or vocab.json + merges.txt)");
    }

    /** A tokenizer.json; special-token settings from {@code dir}'s tokenizer_config.json (null: none). */
    static TextTokenizer fromJson(Path json, Path dir) {
        JsonNode root = readJson(json);
        int vocabSize = countIds(json, root);
        SpecialTokens special = dir == null ? SpecialTokens.NONE : SpecialTokens.read(dir, root);
        try {
            LibUtils.checkStatus(); // a native library that will not load is not the file's fault: say so apart
        } catch (RuntimeException e) {
            throw new IllegalStateException("DJL tokenizers native library unavailable: " + e.getMessage(), e);
        }
        try {
            return new HfTokenizer(HuggingFaceTokenizer.newInstance(json, EXACT), vocabSize, special);
        } catch (IOException e) {
            throw new CheckpointException(json + ": cannot read: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            // The native library reports a malformed file as a multi-line serde error.
            String why = e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("");
            throw new CheckpointException(json + ": not a valid Hugging Face tokenizer: " + why, e);
        }
    }

    /**
     * 1 + the largest id in the model vocabulary or the added tokens ({@code len(tokenizer)} in Python).
     * DJL does not expose the vocabulary, so it is read from the JSON itself.
     */
    private static int countIds(Path json, JsonNode root) {
        JsonNode vocab = root.path("model").path("vocab");
        long max = -1;
        if (vocab.isObject()) {             // BPE, WordPiece, WordLevel: token -> id
            for (JsonNode id : vocab) {
                max = Math.max(max, id.asLong());
            }
        } else if (vocab.isArray()) {       // Unigram: [[piece, score], ...], the id is the position
            max = vocab.size() - 1L;
        }
        for (JsonNode t : root.path("added_tokens")) {
            max = Math.max(max, t.path("id").asLong());
        }
        if (max < 0) {
            throw new CheckpointException(json + ": no vocabulary under model.vocab");
        }
        return (int) (max + 1);
    }

    private static JsonNode readJson(Path json) {
        try {
            return new ObjectMapper().readTree(json.toFile());
        } catch (IOException e) {
            throw new CheckpointException(json + ": not valid JSON: " + e.getMessage().lines().findFirst().orElse(""), e);
        }
    }

    @Override
    public int[] encode(String text, boolean addSpecialTokens) {
        SpecialTokens.Affixes affixes = special.override();
        // With no class-level override, tokenizer.json's own post-processor adds what it defines.
        long[] ids = tokenizer.encode(text, addSpecialTokens && affixes == null, false).getIds();
        int[] prefix = addSpecialTokens && affixes != null ? affixes.prefix() : new int[0];
        int[] suffix = addSpecialTokens && affixes != null ? affixes.suffix() : new int[0];
        int[] out = new int[prefix.length + ids.length + suffix.length];
        System.arraycopy(prefix, 0, out, 0, prefix.length);
        for (int i = 0; i < ids.length; i++) {
            out[prefix.length + i] = (int) ids[i];
        }
        System.arraycopy(suffix, 0, out, prefix.length + ids.length, suffix.length);
        return out;
    }

    @Override
    public int bosTokenId() {
        return special.bos();
    }

    @Override
    public int[] eosTokenIds() {
        return special.eos() < 0 ? new int[0] : new int[] {special.eos()};
    }

    /** Exact inverse for byte-level BPE: special tokens kept, no whitespace clean-up. */
    @Override
    public String decode(int[] ids) {
        long[] wide = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            wide[i] = ids[i];
        }
        return tokenizer.decode(wide, false);
    }

    /**
     * A token's text as it reads inside a text, leading space included. Decoding an id alone is not that for
     * SentencePiece tokenizers: their decoder strips the space of the first "▁" ({@code decode([▁world])} is
     * {@code world}). So the token is decoded after a plain anchor piece and the anchor's own text removed
     * ({@code decode([▁a, ▁world]) = "a world"} minus {@code "a"}). Byte-level BPE (GPT-2) gives the same as
     * decoding alone. A piece of a multi-byte character comes back as U+FFFD, as in Python.
     */
    @Override
    public String token(int id) {
        if (anchor >= 0) {
            String both = tokenizer.decode(new long[] {anchor, id}, false);
            if (both.startsWith(anchorText)) {
                return both.substring(anchorText.length());
            }
        }
        return tokenizer.decode(new long[] {id}, false);
    }

    @Override
    public int vocabSize() {
        return vocabSize;
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
