package org.specfair.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.Serializable;

/**
 * LLaMA's {@code rope_scaling} (transformers src/transformers/modeling_rope_utils.py, v4.4x): how the rotary
 * inverse frequencies {@code theta^(-2i/hd)} are changed for long contexts. Supported types, all with attention
 * factor 1:
 * <ul>
 *   <li>{@code linear} ({@code _compute_linear_scaling_rope_parameters}): every inverse frequency divided by
 *       {@code factor} (positions interpolated);</li>
 *   <li>{@code dynamic} (NTK, {@code _compute_dynamic_ntk_parameters}): the base is raised only once a
 *       sequence passes {@code max_position_embeddings}; SpecFair never decodes past that window (prompts that
 *       would are refused), so inside it the frequencies are the plain ones, as in transformers;</li>
 *   <li>{@code llama3} ({@code _compute_llama3_parameters}, Llama 3.1+): wavelengths longer than
 *       {@code original_max_position_embeddings / low_freq_factor} are divided by {@code factor}, shorter than
 *       {@code .../ high_freq_factor} kept, and the band between interpolated smoothly.</li>
 * </ul>
 * Any other type (yarn, longrope, ...) is refused by name.
 */
public record RopeScaling(String type, double factor, double lowFreqFactor, double highFreqFactor,
                          int originalMaxPositions) implements Serializable {
    /** config.json's {@code rope_scaling} object (its type under {@code rope_type} or the older {@code type}); null: none. */
    static RopeScaling parse(String where, JsonNode n) {
        if (n == null || n.isNull()) {
            return null;
        }
        String type = n.path("rope_type").asText(n.path("type").asText(""));
        double factor = n.path("factor").asDouble(1.0);
        return switch (type) {
            case "default" -> null;
            case "linear", "dynamic" -> {
                if (!(factor >= 1.0)) {
                    throw new CheckpointException(where + ": rope_scaling factor must be >= 1, got " + n.get("factor"));
                }
                yield new RopeScaling(type, factor, 0, 0, 0);
            }
            case "llama3" -> {
                for (String key : new String[] {"factor", "low_freq_factor", "high_freq_factor", "original_max_position_embeddings"}) {
                    if (!n.path(key).isNumber()) {
                        throw new CheckpointException(where + ": rope_scaling of type llama3 needs a numeric '" + key + "'");
                    }
                }
                RopeScaling s = new RopeScaling(type, factor, n.get("low_freq_factor").asDouble(), n.get("high_freq_factor").asDouble(),
                        n.get("original_max_position_embeddings").asInt());
                if (!(s.highFreqFactor > s.lowFreqFactor)) {
                    throw new CheckpointException(where + ": rope_scaling high_freq_factor must exceed low_freq_factor");
                }
                yield s;
            }
            default -> throw new CheckpointException(where + ": rope_scaling type '" + type
                    + "' is not supported (supported: linear, dynamic, llama3)");
        };
    }

    /** The rotary inverse frequencies {@code [hd / 2]} for base {@code theta}, with {@code scaling} applied (null: none). */
    public static double[] inverseFrequencies(int headDim, double theta, RopeScaling scaling) {
        double[] inv = new double[headDim / 2];
        for (int i = 0; i < inv.length; i++) {
            inv[i] = Math.pow(theta, -2.0 * i / headDim);
        }
        if (scaling == null) {
            return inv;
        }
        switch (scaling.type) {
            case "linear" -> {
                for (int i = 0; i < inv.length; i++) {
                    inv[i] /= scaling.factor;
                }
            }
            case "dynamic" -> { } // unchanged inside max_position_embeddings (see the class comment)
            case "llama3" -> {
                double lowFreqWavelen = scaling.originalMaxPositions / scaling.lowFreqFactor;
                double highFreqWavelen = scaling.originalMaxPositions / scaling.highFreqFactor;
                for (int i = 0; i < inv.length; i++) {
                    double wavelen = 2 * Math.PI / inv[i];
                    if (wavelen > lowFreqWavelen) {
                        inv[i] /= scaling.factor;
                    } else if (wavelen >= highFreqWavelen) { // medium: between the two, smoothed
                        double smooth = (scaling.originalMaxPositions / wavelen - scaling.lowFreqFactor)
                                / (scaling.highFreqFactor - scaling.lowFreqFactor);
                        inv[i] = (1 - smooth) * inv[i] / scaling.factor + smooth * inv[i];
                    }
                }
            }
            default -> throw new IllegalStateException(scaling.type);
        }
        return inv;
    }
}
