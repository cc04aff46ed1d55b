package org.specfair.decode;

import org.specfair.checkpoint.ModelConfig;
import org.specfair.lm.CausalLM;
import org.specfair.lm.Models;


/** Random GPT-Neo pairs of a chosen vocabulary size, built in memory for decoder tests. */
final class TinyPair {
    private TinyPair() {}

    static ModelConfig neo(int vocab, int layers, int eos) {
        boolean[] local = new boolean[layers];
        for (int i = 0; i < layers; i++) {
            local[i] = i % 2 == 1;
        }
        return new ModelConfig("gpt_neo", vocab, 32, layers, 4, 4, 128, 128, 1e-5, 0, 8, local, "gelu_new",
                true, eos, eos, "float32");
    }

    static CausalLM model(int vocab, int layers, long seed, double std) {
        return Models.random(neo(vocab, layers, vocab - 1), seed, std, "cpu", "float32");
    }
}
