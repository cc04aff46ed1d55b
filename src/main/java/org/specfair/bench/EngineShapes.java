package org.specfair.bench;

import org.specfair.checkpoint.ConfigPresets;
import org.specfair.checkpoint.ModelConfig;


/** Real architectures' shapes for benchmarks (weights are random; only the cost matters). */
final class EngineShapes {
    private EngineShapes() {}

    /** EleutherAI/gpt-neo-125M: vocab 50257, d 768, 12 layers (global/local alternating, window 256), 12 heads. */
    static ModelConfig gptNeo125M() {
        boolean[] local = new boolean[12];
        for (int i = 0; i < 12; i++) {
            local[i] = i % 2 == 1;
        }
        return new ModelConfig("gpt_neo", 50257, 768, 12, 12, 12, 3072, 2048, 1e-5, 0, 256, local, "gelu_new",
                true, 50256, 50256, "float32");
    }

    /** gpt-neo-125M as above, or any of {@link ConfigPresets}' architectures by name (gpt-neo-1.3B, gpt2, ...). */
    static ModelConfig named(String name) {
        return name.equals("gpt-neo-125M") ? gptNeo125M() : ConfigPresets.get(name);
    }
}
