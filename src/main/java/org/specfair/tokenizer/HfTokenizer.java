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
 * code {@code transformers}' fast tokenizers run, so ids match {@code tokenizer(text, add_special_tokens=False)}.
 *
 * <p>Settings differ from DJL's defaults on purpose: DJL adds special tokens, truncates to 512 tokens and
 * pads unless told otherwise; a prompt must come back as exactly its own ids, whatever its length.
 */
final class HfTokenizer implements TextTokenizer {
    private static final Map<String, String> EXACT = Map.of(
            "addSpecialTokens", "false", "truncation", "false", "padding", "false");

    private final HuggingFaceTokenizer tokenizer;
    private final int vocabSize;

    private HfTokenizer(HuggingFaceTokenizer tokenizer, int vocabSize) {
        this.tokenizer = tokenizer;
        this.vocabSize = vocabSize;
    }

    /** tokenizer.json, else vocab.json + merges.txt (converted), else a one-line reason why not. */
    static TextTokenizer load(Path dir) {
        Path json = dir.resolve("tokenizer.json");
        if (Files.isRegularFile(json)) {
            return fromJson(json);
        }
        if (Files.isRegularFile(dir.resolve("vocab.json")) && Files.isRegularFile(dir.resolve("merges.txt"))) {
            return fromJson(BpeTokenizerConverter.convert(dir));
        }
        if (Files.isRegularFile(dir.resolve("tokenizer.model"))) {
            throw new CheckpointException(dir + ": only a SentencePiece tokenizer.model; save a fast tokenizer once with"
                    + " python -c \"from transformers import AutoTokenizer as T; T.from_pretrained('" + dir
                    + "').save_pretrained('" + dir + "')\" (writes tokenizer.json)");
        }
        throw new CheckpointException(dir + ": no tokenizer (tokenizer.json, or vocab.json + merges.txt)");
    }

    static TextTokenizer fromJson(Path json) {
        int vocabSize = countIds(json);
        try {
            LibUtils.checkStatus(); // a native library that will not load is not the file's fault: say so apart
        } catch (RuntimeException e) {
            throw new IllegalStateException("DJL tokenizers native library unavailable: " + e.getMessage(), e);
        }
        try {
            return new HfTokenizer(HuggingFaceTokenizer.newInstance(json, EXACT), vocabSize);
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
    private static int countIds(Path json) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(json.toFile());
        } catch (IOException e) {
            throw new CheckpointException(json + ": not valid JSON: " + e.getMessage().lines().findFirst().orElse(""), e);
        }
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

    @Override
    public int[] encode(String text) {
        long[] ids = tokenizer.encode(text, false, false).getIds();
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = (int) ids[i];
        }
        return out;
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

    /** One id decoded alone; a piece of a multi-byte character comes back as U+FFFD, as in Python. */
    @Override
    public String token(int id) {
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
