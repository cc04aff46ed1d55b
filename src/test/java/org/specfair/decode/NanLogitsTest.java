package org.specfair.decode;

import org.specfair.checkpoint.ModelConfig;
import org.specfair.lm.CausalLM;
import org.specfair.lm.Models;
import org.specfair.lm.RandomWeights;
import org.specfair.lm.WeightSource;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Broken weights give a clear error, never silent garbage. */
class NanLogitsTest {
    /** Random weights whose final norm scale is NaN. */
    static WeightSource poisoned() {
        RandomWeights random = new RandomWeights(3, 0.02);
        return new WeightSource() {
            public String describe() { return "poisoned"; }
            public Set<String> names() { return random.names(); }
            public long[] shape(String name) { return null; }
            public ByteBuffer float32(String name, long[] shape) {
                ByteBuffer b = random.float32(name, shape);
                if (name.equals("ln_f.weight")) {
                    b.putFloat(0, Float.NaN);
                }
                return b;
            }
        };
    }

    @Test
    void nanLogitsAreReportedInEveryMode() {
        ModelConfig cfg = TinyPair.neo(16, 2, 15);
        try (CausalLM bad = Models.build(cfg, poisoned(), "cpu", "float32");
             CausalLM good = Models.random(cfg, 4, "cpu", "float32")) {
            List<DecodeRequest> req = List.of(new DecodeRequest(new int[] {1, 2}, 0));
            for (DecodeConfig c : List.of(DecodeConfig.greedy(4), DecodeConfig.greedy(4).withMode(Mode.MAIN_ONLY),
                    DecodeConfig.greedy(4).withSampling(1.0, 0, 1.0, 1))) {
                RuntimeException e = assertThrows(IllegalStateException.class, () -> new Decoder(bad, good, c).generate(req, false));
                assertTrue(e.getMessage().contains("NaN logits"), e.getMessage());
            }
        }
    }
}
