package org.specfair.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A checkpoint's {@code generation_config.json}: the decoding defaults its authors saved with it, which
 * {@code transformers} applies wherever the caller does not pass a value ({@code model.generation_config},
 * src/transformers/generation/configuration_utils.py). Every field is null when the file does not set it.
 *
 * <p>Keys that would change what {@code generate()} emits but that SpecFair does not implement (beam search,
 * repetition penalties, forced or suppressed tokens, ...) are refused when set to a non-neutral value, with the
 * file and key named: silently ignoring them would give rows a Hugging Face user would not get.
 */
public record GenerationConfig(int[] eosTokenIds, Integer padTokenId, Integer bosTokenId, Integer maxNewTokens,
                               Integer maxLength, Boolean doSample, Double temperature, Integer topK, Double topP,
                               Integer numAssistantTokens, String numAssistantTokensSchedule,
                               Double assistantConfidenceThreshold) {
    public static final GenerationConfig NONE = new GenerationConfig(null, null, null, null, null, null, null, null, null,
            null, null, null);

    /** Keys refused unless neutral (value -> neutral values as JSON text). */
    private static final List<String[]> UNSUPPORTED = List.of(
            new String[] {"num_beams", "1"}, new String[] {"num_beam_groups", "1"}, new String[] {"penalty_alpha", "null"},
            new String[] {"repetition_penalty", "1", "1.0"}, new String[] {"encoder_repetition_penalty", "1", "1.0"},
            new String[] {"no_repeat_ngram_size", "0"}, new String[] {"bad_words_ids", "null"},
            new String[] {"force_words_ids", "null"}, new String[] {"forced_bos_token_id", "null"},
            new String[] {"forced_eos_token_id", "null"}, new String[] {"suppress_tokens", "null", "[]"},
            new String[] {"begin_suppress_tokens", "null", "[]"}, new String[] {"min_length", "0"},
            new String[] {"min_new_tokens", "null"}, new String[] {"typical_p", "1", "1.0"},
            new String[] {"epsilon_cutoff", "0", "0.0"}, new String[] {"eta_cutoff", "0", "0.0"},
            new String[] {"min_p", "null"}, new String[] {"sequence_bias", "null"}, new String[] {"guidance_scale", "null"},
            new String[] {"exponential_decay_length_penalty", "null"}, new String[] {"prompt_lookup_num_tokens", "null"});

    /** {@code dir/generation_config.json}, or {@link #NONE} when the folder has none. */
    public static GenerationConfig read(Path dir) {
        Path file = dir.resolve("generation_config.json");
        if (!Files.isRegularFile(file)) {
            return NONE;
        }
        JsonNode c;
        try {
            c = new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new CheckpointException(file + ": not valid JSON: " + ModelConfig.firstLine(e), e);
        }
        return parse(file.toString(), c);
    }

    static GenerationConfig parse(String where, JsonNode c) {
        for (String[] key : UNSUPPORTED) {
            JsonNode v = c.get(key[0]);
            if (v == null) {
                continue;
            }
            boolean neutral = false;
            for (int i = 1; i < key.length; i++) {
                neutral |= v.toString().equals(key[i]);
            }
            if (!neutral) {
                throw new CheckpointException(where + ": " + key[0] + "=" + v + " is not supported (SpecFair decodes greedily or"
                        + " samples with temperature/top-k/top-p only); remove the key to decode without it");
            }
        }
        return new GenerationConfig(
                c.has("eos_token_id") && !c.get("eos_token_id").isNull()
                        ? ModelConfig.tokenIds(where, "eos_token_id", c.get("eos_token_id")) : null,
                integer(where, c, "pad_token_id"), integer(where, c, "bos_token_id"), integer(where, c, "max_new_tokens"),
                integer(where, c, "max_length"), c.hasNonNull("do_sample") ? c.get("do_sample").asBoolean() : null,
                number(where, c, "temperature"), integer(where, c, "top_k"), number(where, c, "top_p"),
                integer(where, c, "num_assistant_tokens"),
                c.hasNonNull("num_assistant_tokens_schedule") ? c.get("num_assistant_tokens_schedule").asText() : null,
                number(where, c, "assistant_confidence_threshold"));
    }

    private static Integer integer(String where, JsonNode c, String key) {
        JsonNode v = c.get(key);
        if (v == null || v.isNull()) {
            return null;
        }
        if (v.isArray() && v.size() > 0 && v.get(0).canConvertToInt()) {
            return v.get(0).asInt(); // pad/bos given as a list: the first is the canonical one
        }
        if (!v.isIntegralNumber()) {
            throw new CheckpointException(where + ": '" + key + "' must be an integer, got " + v);
        }
        return v.asInt();
    }

    private static Double number(String where, JsonNode c, String key) {
        JsonNode v = c.get(key);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isNumber()) {
            throw new CheckpointException(where + ": '" + key + "' must be a number, got " + v);
        }
        return v.asDouble();
    }
}
