package org.specfair.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The architecture-relevant part of a Hugging Face {@code config.json}, normalised across the
 * three families (each family names the same thing differently: {@code n_embd} vs {@code hidden_size}).
 *
 * @param modelType        "gpt2", "gpt_neo" or "llama"
 * @param vocabSize        rows of the embedding and of the LM head
 * @param hiddenSize       model width d
 * @param numLayers        transformer blocks
 * @param numHeads         query heads
 * @param numKvHeads       key/value heads (LLaMA grouped-query attention; = numHeads elsewhere)
 * @param intermediateSize MLP inner width
 * @param maxPositions     context window (learned position table size, or LLaMA's max_position_embeddings)
 * @param normEps          LayerNorm / RMSNorm epsilon
 * @param ropeTheta        rotary base (LLaMA only)
 * @param windowSize       GPT-Neo local attention window (0 = none)
 * @param localLayers      per layer: true when the layer uses local attention (GPT-Neo)
 * @param activation       MLP activation name as in the config ("gelu_new", "silu", ...)
 * @param tieWordEmbeddings whether the LM head reuses the token embedding
 * @param eosTokenIds      end-of-sequence ids (config.json's eos_token_id, an int or a list; generation_config.json's
 *                         replaces it when present, see {@link Checkpoint#open}); empty when none
 * @param bosTokenId       beginning-of-sequence id, or -1
 * @param torchDtype       the dtype the checkpoint was saved in ("float32", "bfloat16", ...)
 * @param ropeScaling      LLaMA's rope_scaling (linear, dynamic, llama3), or null
 */
public record ModelConfig(
        String modelType, int vocabSize, int hiddenSize, int numLayers, int numHeads, int numKvHeads,
        int intermediateSize, int maxPositions, double normEps, double ropeTheta, int windowSize,
        boolean[] localLayers, String activation, boolean tieWordEmbeddings, int[] eosTokenIds, int bosTokenId,
        String torchDtype, RopeScaling ropeScaling) {

    /** Without rope scaling. */
    public ModelConfig(String modelType, int vocabSize, int hiddenSize, int numLayers, int numHeads, int numKvHeads,
                       int intermediateSize, int maxPositions, double normEps, double ropeTheta, int windowSize,
                       boolean[] localLayers, String activation, boolean tieWordEmbeddings, int[] eosTokenIds, int bosTokenId,
                       String torchDtype) {
        this(modelType, vocabSize, hiddenSize, numLayers, numHeads, numKvHeads, intermediateSize, maxPositions, normEps,
                ropeTheta, windowSize, localLayers, activation, tieWordEmbeddings, eosTokenIds, bosTokenId, torchDtype, null);
    }

    /** With a single eos id ({@code -1}: none). */
    public ModelConfig(String modelType, int vocabSize, int hiddenSize, int numLayers, int numHeads, int numKvHeads,
                       int intermediateSize, int maxPositions, double normEps, double ropeTheta, int windowSize,
                       boolean[] localLayers, String activation, boolean tieWordEmbeddings, int eosTokenId, int bosTokenId,
                       String torchDtype) {
        this(modelType, vocabSize, hiddenSize, numLayers, numHeads, numKvHeads, intermediateSize, maxPositions, normEps,
                ropeTheta, windowSize, localLayers, activation, tieWordEmbeddings,
                eosTokenId < 0 ? new int[0] : new int[] {eosTokenId}, bosTokenId, torchDtype);
    }

    /** The first (canonical) eos id, or -1. */
    public int eosTokenId() {
        return eosTokenIds.length == 0 ? -1 : eosTokenIds[0];
    }

    /** The same config with other eos ids (generation_config.json's list). */
    public ModelConfig withEosTokenIds(int[] ids) {
        return new ModelConfig(modelType, vocabSize, hiddenSize, numLayers, numHeads, numKvHeads, intermediateSize,
                maxPositions, normEps, ropeTheta, windowSize, localLayers, activation, tieWordEmbeddings, ids.clone(),
                bosTokenId, torchDtype, ropeScaling);
    }

    public static final List<String> SUPPORTED = List.of("gpt2", "gpt_neo", "llama");

    public int headDim() {
        return hiddenSize / numHeads;
    }

    /** The same architecture with only the first {@code n} layers (a truncated draft model). */
    public ModelConfig withLayers(int n) {
        return new ModelConfig(modelType, vocabSize, hiddenSize, n, numHeads, numKvHeads, intermediateSize, maxPositions,
                normEps, ropeTheta, windowSize, java.util.Arrays.copyOf(localLayers, n), activation, tieWordEmbeddings,
                eosTokenIds, bosTokenId, torchDtype, ropeScaling);
    }

    public static ModelConfig read(Path configJson) {
        if (!Files.isRegularFile(configJson)) {
            throw new CheckpointException(configJson + ": not found (a Hugging Face checkpoint folder has config.json next to its weights)");
        }
        JsonNode c;
        try {
            c = new ObjectMapper().readTree(configJson.toFile());
        } catch (IOException e) {
            throw new CheckpointException(configJson + ": not valid JSON: " + firstLine(e), e);
        }
        return parse(configJson.toString(), c);
    }

    static ModelConfig parse(String where, JsonNode c) {
        String type = c.path("model_type").asText("");
        Fields f = new Fields(where, c);
        return switch (type) {
            case "gpt2" -> {
                // Attention variants GPT-2's code offers that this engine does not implement. (reorder_and_upcast_attn
                // only upcasts the score matmul to float32, which this engine always does: accepted.)
                refuseUnless(where, c, "scale_attn_weights", true);
                refuseUnless(where, c, "scale_attn_by_inverse_layer_idx", false);
                refuseUnless(where, c, "add_cross_attention", false);
                int d = f.req("n_embd");
                int layers = f.req("n_layer");
                int heads = f.req("n_head");
                yield new ModelConfig(type, f.req("vocab_size"), d, layers, heads, heads,
                        f.opt("n_inner", 4 * d), f.req("n_positions"), c.path("layer_norm_epsilon").asDouble(1e-5),
                        0, 0, new boolean[layers], c.path("activation_function").asText("gelu_new"),
                        c.path("tie_word_embeddings").asBoolean(true), f.ids("eos_token_id"), f.opt("bos_token_id", -1), c.path("torch_dtype").asText("float32"));
            }
            case "gpt_neo" -> {
                int d = f.req("hidden_size");
                int layers = f.req("num_layers");
                int heads = f.req("num_heads");
                yield new ModelConfig(type, f.req("vocab_size"), d, layers, heads, heads,
                        f.opt("intermediate_size", 4 * d), f.req("max_position_embeddings"),
                        c.path("layer_norm_epsilon").asDouble(1e-5), 0, f.opt("window_size", 256),
                        neoLocalLayers(where, c, layers), c.path("activation_function").asText("gelu_new"),
                        c.path("tie_word_embeddings").asBoolean(true), f.ids("eos_token_id"), f.opt("bos_token_id", -1), c.path("torch_dtype").asText("float32"));
            }
            case "llama" -> {
                refuseUnless(where, c, "attention_bias", false);
                refuseUnless(where, c, "mlp_bias", false);
                RopeScaling scaling = RopeScaling.parse(where, c.get("rope_scaling"));
                int d = f.req("hidden_size");
                int heads = f.req("num_attention_heads");
                if (c.hasNonNull("head_dim") && c.get("head_dim").asInt() != d / heads) {
                    throw new CheckpointException(where + ": head_dim != hidden_size / num_attention_heads is not supported");
                }
                int layers = f.req("num_hidden_layers");
                yield new ModelConfig(type, f.req("vocab_size"), d, layers, heads, f.opt("num_key_value_heads", heads),
                        f.req("intermediate_size"), f.opt("max_position_embeddings", 2048),
                        c.path("rms_norm_eps").asDouble(1e-6), c.path("rope_theta").asDouble(10000.0), 0,
                        new boolean[layers], c.path("hidden_act").asText("silu"),
                        c.path("tie_word_embeddings").asBoolean(false), f.ids("eos_token_id"),
                        f.opt("bos_token_id", -1), c.path("torch_dtype").asText("float32"), scaling);
            }
            default -> throw new CheckpointException(where + ": unknown model_type '" + type + "' (supported: "
                    + String.join(", ", SUPPORTED) + ")");
        };
    }

    /** A boolean flag this engine implements only at {@code supported}: any other value is refused, naming the key. */
    private static void refuseUnless(String where, JsonNode c, String key, boolean supported) {
        JsonNode v = c.get(key);
        if (v != null && !v.isNull() && v.asBoolean(!supported) != supported) {
            throw new CheckpointException(where + ": " + key + "=" + v + " is not supported (only " + supported + ")");
        }
    }

    /** GPT-Neo's {@code attention_types}: [[["global","local"], 6]] means the pattern repeated 6 times. */
    private static boolean[] neoLocalLayers(String where, JsonNode c, int layers) {
        List<Boolean> kinds = new ArrayList<>();
        JsonNode types = c.path("attention_types");
        for (JsonNode group : types) {
            int repeat = group.get(1).asInt();
            for (int r = 0; r < repeat; r++) {
                for (JsonNode kind : group.get(0)) {
                    String k = kind.asText();
                    if (!k.equals("global") && !k.equals("local")) {
                        throw new CheckpointException(where + ": unknown attention type '" + k + "'");
                    }
                    kinds.add(k.equals("local"));
                }
            }
        }
        if (kinds.isEmpty()) {
            kinds.addAll(java.util.Collections.nCopies(layers, false));
        }
        if (kinds.size() != layers) {
            throw new CheckpointException(where + ": attention_types describe " + kinds.size() + " layers but num_layers is " + layers);
        }
        boolean[] out = new boolean[layers];
        for (int i = 0; i < layers; i++) {
            out[i] = kinds.get(i);
        }
        return out;
    }

    /** Writes the config back as a Hugging Face config.json (used for random and finetuned checkpoints). */
    public ObjectNode toJson() {
        ObjectMapper m = new ObjectMapper();
        ObjectNode o = m.createObjectNode();
        o.put("model_type", modelType);
        o.put("vocab_size", vocabSize);
        switch (modelType) {
            case "gpt2" -> {
                o.putArray("architectures").add("GPT2LMHeadModel");
                o.put("n_embd", hiddenSize).put("n_layer", numLayers).put("n_head", numHeads)
                        .put("n_inner", intermediateSize).put("n_positions", maxPositions).put("n_ctx", maxPositions)
                        .put("layer_norm_epsilon", normEps).put("activation_function", activation);
                if (!tieWordEmbeddings) {
                    o.put("tie_word_embeddings", false);
                }
            }
            case "gpt_neo" -> {
                o.putArray("architectures").add("GPTNeoForCausalLM");
                o.put("hidden_size", hiddenSize).put("num_layers", numLayers).put("num_heads", numHeads)
                        .put("intermediate_size", intermediateSize).put("max_position_embeddings", maxPositions)
                        .put("layer_norm_epsilon", normEps).put("window_size", windowSize)
                        .put("activation_function", activation);
                if (!tieWordEmbeddings) {
                    o.put("tie_word_embeddings", false);
                }
                var types = o.putArray("attention_types");
                for (boolean local : localLayers) {
                    var g = types.addArray();
                    g.addArray().add(local ? "local" : "global");
                    g.add(1);
                }
            }
            case "llama" -> {
                o.putArray("architectures").add("LlamaForCausalLM");
                o.put("hidden_size", hiddenSize).put("num_hidden_layers", numLayers).put("num_attention_heads", numHeads)
                        .put("num_key_value_heads", numKvHeads).put("intermediate_size", intermediateSize)
                        .put("max_position_embeddings", maxPositions).put("rms_norm_eps", normEps)
                        .put("rope_theta", ropeTheta).put("hidden_act", activation)
                        .put("tie_word_embeddings", tieWordEmbeddings);
                if (ropeScaling != null) {
                    var rs = o.putObject("rope_scaling").put("rope_type", ropeScaling.type()).put("factor", ropeScaling.factor());
                    if (ropeScaling.type().equals("llama3")) {
                        rs.put("low_freq_factor", ropeScaling.lowFreqFactor()).put("high_freq_factor", ropeScaling.highFreqFactor())
                                .put("original_max_position_embeddings", ropeScaling.originalMaxPositions());
                    }
                }
            }
            default -> throw new IllegalStateException(modelType);
        }
        if (eosTokenIds.length == 1) {
            o.put("eos_token_id", eosTokenIds[0]);
        } else if (eosTokenIds.length > 1) {
            var list = o.putArray("eos_token_id");
            for (int id : eosTokenIds) {
                list.add(id);
            }
        }
        if (bosTokenId >= 0) {
            o.put("bos_token_id", bosTokenId);
        }
        o.put("torch_dtype", torchDtype);
        return o;
    }

    /** A token id field that may be an int or a list of ints (eos_token_id), or null / absent (none). */
    public static int[] tokenIds(String where, String name, JsonNode n) {
        if (n == null || n.isNull()) {
            return new int[0];
        }
        List<JsonNode> items = new ArrayList<>();
        if (n.isArray()) {
            n.forEach(items::add);
        } else {
            items.add(n);
        }
        int[] out = new int[items.size()];
        for (int i = 0; i < out.length; i++) {
            if (!items.get(i).canConvertToInt() || !items.get(i).isIntegralNumber() || items.get(i).asInt() < 0) {
                throw new CheckpointException(where + ": '" + name + "' must be a token id or a list of token ids, got " + n);
            }
            out[i] = items.get(i).asInt();
        }
        return out;
    }

    /** Jackson's messages continue with a source excerpt on further lines; errors here are one line. */
    static String firstLine(Exception e) {
        return String.valueOf(e.getMessage()).lines().findFirst().orElse("");
    }

    /** Required / optional integer fields with errors naming the file and the field. */
    private record Fields(String where, JsonNode c) {
        int req(String name) {
            JsonNode n = c.get(name);
            if (n == null || !n.canConvertToInt()) {
                throw new CheckpointException(where + ": missing or non-integer field '" + name + "'");
            }
            return n.asInt();
        }

        int opt(String name, int dflt) {
            JsonNode n = c.get(name);
            if (n == null || n.isNull()) {
                return dflt;
            }
            if (n.isArray() && n.size() > 0) {
                return n.get(0).asInt(); // a list (bos in a few configs): the first is the canonical one
            }
            return n.asInt(dflt);
        }

        /** An id or a list of ids (Llama 3.x lists several eos ids); absent or null: none. */
        int[] ids(String name) {
            return tokenIds(where, name, c.get(name));
        }
    }
}
