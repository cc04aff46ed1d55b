package org.specfair.lm;

import org.specfair.checkpoint.ConfigPresets;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An assistant derived from a main checkpoint: its embeddings, its first N blocks and its final norm
 * (and LM head), plus seeded Gaussian noise on every kept value. Being the main model's own early layers,
 * it agrees with it often, which makes it the benchmark's stand-in for a well-matched draft model.
 * The main folder's tokenizer files are copied along: a speculative pair must share one vocabulary.
 */
public final class NoisyTruncatedCopy {
    /** Tokenizer files that travel with the copy when the main folder has them. */
    static final List<String> TOKENIZER_FILES = List.of("tokenizer.json", "tokenizer_config.json",
            "special_tokens_map.json", "vocab.json", "merges.txt", "tokenizer.model", "added_tokens.json");

    /** Block index in a checkpoint name: "transformer.h.3.ln_1.weight", "model.layers.3.mlp.up_proj.weight". */
    private static final Pattern BLOCK = Pattern.compile("(?:^|\\.)(?:h|layers)\\.(\\d+)\\.");

    private NoisyTruncatedCopy() {}

    /**
     * Writes the copy to {@code out}. {@code keepLayers} between 1 and the main model's depth;
     * {@code noiseStd} 0 gives an exact truncation. Same arguments, same bytes.
     */
    public static void write(Path mainDir, int keepLayers, double noiseStd, long seed, Path out,
                             SafetensorsWriter.Dtype dtype) {
        if (!(noiseStd >= 0) || Double.isInfinite(noiseStd)) {
            throw new IllegalArgumentException("noise standard deviation must be finite and >= 0, got " + noiseStd);
        }
        try (CausalLM main = Models.load(mainDir, "cpu", "float32")) {
            int depth = main.config().numLayers();
            if (keepLayers < 1 || keepLayers > depth) {
                throw new IllegalArgumentException("cannot keep " + keepLayers + " layers: " + mainDir + " has "
                        + depth + " (keep 1.." + depth + ")");
            }
            List<SafetensorsWriter.Tensor> kept = SafetensorsWriter.tensorsOf(main).stream()
                    .filter(t -> block(t.name()) < keepLayers)
                    .map(t -> noisy(t, noiseStd, seed))
                    .toList();
            List<Path> tokenizer = TOKENIZER_FILES.stream().map(mainDir::resolve).filter(Files::isRegularFile).toList();
            SafetensorsWriter.writeCheckpoint(out, ConfigPresets.withLayers(main.config(), keepLayers), kept, dtype,
                    tokenizer);
        }
    }

    /** The block a tensor belongs to, or -1 for embeddings, final norm and head (always kept). */
    static int block(String name) {
        Matcher m = BLOCK.matcher(name);
        return m.find() ? Integer.parseInt(m.group(1)) : -1;
    }

    private static SafetensorsWriter.Tensor noisy(SafetensorsWriter.Tensor t, double std, long seed) {
        if (std == 0) {
            return t;
        }
        return new SafetensorsWriter.Tensor(t.name(), t.shape(), () -> {
            float[] v = t.values().get();
            // One generator per tensor name: the noise does not depend on the order tensors are written.
            SplittableRandom rnd = new SplittableRandom(seed * 0x9E3779B97F4A7C15L ^ t.name().hashCode());
            for (int i = 0; i < v.length; i += 2) {
                double r = Math.sqrt(-2 * Math.log(1.0 - rnd.nextDouble())); // Box-Muller, two normals per draw
                double a = 2 * Math.PI * rnd.nextDouble();
                v[i] += (float) (std * r * Math.cos(a));
                if (i + 1 < v.length) {
                    v[i + 1] += (float) (std * r * Math.sin(a));
                }
            }
            return v;
        });
    }
}
