package org.specfair.checkpoint;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Architectures by name, for random checkpoints with the shapes of the study's models (benchmarks,
 * memory planning) and tiny ones for a laptop demo. The real models' values are those of their hub
 * config.json files; weights are never implied.
 *
 * <p>Tiny presets: no real tokenizer is available offline, so their vocabulary is a small
 * 2048 ids, the last one end-of-text (as in the golden fixtures); main and draft share it, as a
 * speculative pair must.
 */
public final class ConfigPresets {
    private static final Map<String, Supplier<ModelConfig>> PRESETS = new LinkedHashMap<>();

    static {
        PRESETS.put("gpt2", () -> gpt2(12));
        PRESETS.put("distilgpt2", () -> gpt2(6));
        PRESETS.put("gpt-neo-125M", () -> neo(50257, 768, 12, 12, 2048, 50256));
        PRESETS.put("gpt-neo-1.3B", () -> neo(50257, 2048, 24, 16, 2048, 50256));
        PRESETS.put("gpt-neo-2.7B", () -> neo(50257, 2560, 32, 20, 2048, 50256));
        PRESETS.put("tiny-neo-main", () -> neo(2048, 128, 4, 4, 512, 2047));
        PRESETS.put("tiny-neo-draft", () -> neo(2048, 64, 2, 4, 512, 2047));
        PRESETS.put("llama-tiny", () -> llama(2048, 128, 2, 4, 2, 344, 512));
        // Tulu V1 7B: LLaMA-1 7B plus one added padding token.
        PRESETS.put("tulu-7b", () -> llama(32001, 4096, 32, 32, 32, 11008, 2048));
    }

    private ConfigPresets() {}

    public static List<String> names() {
        return List.copyOf(PRESETS.keySet());
    }

    public static ModelConfig get(String name) {
        Supplier<ModelConfig> p = PRESETS.get(name);
        if (p == null) {
            throw new IllegalArgumentException("unknown preset '" + name + "' (known: " + String.join(", ", names()) + ")");
        }
        return p.get();
    }

    /**
     * The same architecture with {@code layers} blocks (a truncated draft, or a cheap stand-in for a deep
     * model). GPT-Neo's global/local pattern is repeated to the new depth.
     */
    public static ModelConfig withLayers(ModelConfig c, int layers) {
        if (layers < 1) {
            throw new IllegalArgumentException("layer count must be at least 1, got " + layers);
        }
        boolean[] local = new boolean[layers];
        for (int i = 0; i < layers && c.localLayers().length > 0; i++) {
            local[i] = c.localLayers()[i % c.localLayers().length];
        }
        return new ModelConfig(c.modelType(), c.vocabSize(), c.hiddenSize(), layers, c.numHeads(), c.numKvHeads(),
                c.intermediateSize(), c.maxPositions(), c.normEps(), c.ropeTheta(), c.windowSize(), local,
                c.activation(), c.tieWordEmbeddings(), c.eosTokenIds(), c.bosTokenId(), c.torchDtype(), c.ropeScaling());
    }

    /** gpt2 / distilgpt2: d=768, 12 heads, 1024 positions; eos = bos = 50256. */
    private static ModelConfig gpt2(int layers) {
        return new ModelConfig("gpt2", 50257, 768, layers, 12, 12, 3072, 1024, 1e-5, 0, 0,
                new boolean[layers], "gelu_new", true, 50256, 50256, "float32");
    }

    /** GPT-Neo: MLP 4d, global and local layers alternating (global first), local window 256. */
    private static ModelConfig neo(int vocab, int d, int layers, int heads, int positions, int eos) {
        boolean[] local = new boolean[layers];
        for (int i = 1; i < layers; i += 2) {
            local[i] = true;
        }
        return new ModelConfig("gpt_neo", vocab, d, layers, heads, heads, 4 * d, positions, 1e-5, 0, 256,
                local, "gelu_new", true, eos, eos, "float32");
    }

    /** LLaMA with SentencePiece conventions: bos 1, eos 2; untied head, RMSNorm eps 1e-6, rotary base 10000. */
    private static ModelConfig llama(int vocab, int d, int layers, int heads, int kvHeads, int inner, int positions) {
        return new ModelConfig("llama", vocab, d, layers, heads, kvHeads, inner, positions, 1e-6, 10000.0, 0,
                new boolean[layers], "silu", false, 2, 1, "float32");
    }
}
