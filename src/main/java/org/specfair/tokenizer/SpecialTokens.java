package org.specfair.tokenizer;

import org.specfair.checkpoint.CheckpointException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/**
 * Which special tokens {@code transformers}' {@code tokenizer(text)} puts around a text, and the tokenizer's
 * declared bos / eos tokens, read from a tokenizer folder the way {@code AutoTokenizer.from_pretrained} reads it.
 *
 * <p>Two sources decide what is added:
 * <ul>
 *   <li>{@code tokenizer.json}'s {@code post_processor} (a {@code TemplateProcessing} with {@code <s>} for
 *       LLaMA-2 conversions and Llama 3; {@code ByteLevel} or none for GPT-2/GPT-Neo, which add nothing). The
 *       tokenizers library applies it when asked to add special tokens.</li>
 *   <li>For LLaMA / CodeLlama / Gemma tokenizer classes, {@code tokenizer_config.json}'s {@code add_bos_token}
 *       (default true) and {@code add_eos_token} (default false) replace that post-processor:
 *       {@code LlamaTokenizerFast.__init__} calls {@code update_post_processor()}, which builds
 *       {@code TemplateProcessing(single="<s>:0 $A:0")} from the two flags (transformers v4.4x-v4.5x,
 *       src/transformers/models/llama/tokenization_llama_fast.py; Gemma's fast tokenizer copies it).
 *       Llama 3 names {@code PreTrainedTokenizerFast}, so its {@code tokenizer.json} alone decides.</li>
 * </ul>
 *
 * @param override  null when tokenizer.json's post-processor decides; otherwise the ids put before and after
 * @param bos       the declared bos token id, or -1
 * @param eos       the declared eos token id, or -1
 */
record SpecialTokens(Affixes override, int bos, int eos) {
    /** Ids put before and after the text when a tokenizer class rebuilds the post-processor itself. */
    record Affixes(int[] prefix, int[] suffix) {}

    /** tokenizer_config.json classes whose fast tokenizer rebuilds the post-processor from add_bos/eos_token. */
    private static final Set<String> FLAG_DRIVEN = Set.of("LlamaTokenizer", "LlamaTokenizerFast",
            "CodeLlamaTokenizer", "CodeLlamaTokenizerFast", "GemmaTokenizer", "GemmaTokenizerFast");

    static final SpecialTokens NONE = new SpecialTokens(null, -1, -1);

    /**
     * Reads {@code dir/tokenizer_config.json} (and {@code config.json}'s model_type when the tokenizer class is
     * not named: AutoTokenizer then picks the model type's tokenizer, LlamaTokenizerFast for {@code llama}).
     *
     * @param tokenizerJson the parsed tokenizer.json (token text -> id lookups)
     */
    static SpecialTokens read(Path dir, JsonNode tokenizerJson) {
        JsonNode cfg = readJson(dir.resolve("tokenizer_config.json"));
        if (cfg == null) {
            cfg = readJson(dir.resolve("special_tokens_map.json"));
        }
        if (cfg == null) {
            cfg = new ObjectMapper().createObjectNode();
        }
        Path where = dir.resolve("tokenizer_config.json");
        int bos = tokenId(tokenizerJson, cfg.get("bos_token"), where, "bos_token");
        int eos = tokenId(tokenizerJson, cfg.get("eos_token"), where, "eos_token");
        String cls = cfg.path("tokenizer_class").asText("");
        if (cls.isEmpty()) {
            JsonNode model = readJson(dir.resolve("config.json"));
            if (model != null && model.path("model_type").asText("").equals("llama")) {
                cls = "LlamaTokenizerFast";
            }
        }
        if (!FLAG_DRIVEN.contains(cls)) {
            return new SpecialTokens(null, bos, eos);
        }
        // LlamaTokenizerFast's constructor defaults: bos_token "<s>", eos_token "</s>", add_bos_token true.
        if (!cfg.has("bos_token")) {
            bos = tokenId(tokenizerJson, new com.fasterxml.jackson.databind.node.TextNode("<s>"), where, "bos_token");
        }
        if (!cfg.has("eos_token")) {
            eos = tokenId(tokenizerJson, new com.fasterxml.jackson.databind.node.TextNode("</s>"), where, "eos_token");
        }
        boolean addBos = cfg.path("add_bos_token").asBoolean(true);
        boolean addEos = cfg.path("add_eos_token").asBoolean(false);
        if ((addBos && bos < 0) || (addEos && eos < 0)) {
            throw new CheckpointException(where + ": add_" + (addBos && bos < 0 ? "bos" : "eos")
                    + "_token is true but the tokenizer has no such token");
        }
        return new SpecialTokens(new Affixes(addBos ? new int[] {bos} : new int[0], addEos ? new int[] {eos} : new int[0]),
                bos, eos);
    }

    /** A special token as tokenizer_config.json writes it (a string or {"content": ...}) to its id, or -1 when absent. */
    private static int tokenId(JsonNode tokenizerJson, JsonNode token, Path where, String key) {
        if (token == null || token.isNull()) {
            return -1;
        }
        String text = token.isObject() ? token.path("content").asText(null) : token.asText(null);
        if (text == null) {
            throw new CheckpointException(where + ": " + key + " is neither a string nor {\"content\": ...}");
        }
        for (JsonNode t : tokenizerJson.path("added_tokens")) {
            if (text.equals(t.path("content").asText())) {
                return t.path("id").asInt();
            }
        }
        JsonNode vocab = tokenizerJson.path("model").path("vocab");
        if (vocab.isObject() && vocab.has(text)) {
            return vocab.get(text).asInt();
        }
        if (vocab.isArray()) {
            for (int i = 0; i < vocab.size(); i++) {
                if (text.equals(vocab.get(i).path(0).asText())) {
                    return i;
                }
            }
        }
        throw new CheckpointException(where + ": " + key + " '" + text + "' is not in the tokenizer's vocabulary");
    }

    private static JsonNode readJson(Path file) {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            return new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new CheckpointException(file + ": not valid JSON: " + e.getMessage().lines().findFirst().orElse(""), e);
        }
    }
}
