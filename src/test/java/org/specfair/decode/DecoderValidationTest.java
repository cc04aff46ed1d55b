package org.specfair.decode;

import org.specfair.lm.CausalLM;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Inputs the decoder refuses, with messages a user can act on. */
class DecoderValidationTest {
    @Test
    void refusesPairsWithDifferentVocabularies() {
        try (CausalLM a = TinyPair.model(16, 1, 1, 0.02); CausalLM b = TinyPair.model(17, 1, 2, 0.02)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Decoder(a, b, DecodeConfig.greedy(4)));
            assertTrue(e.getMessage().contains("vocabularies differ"), e.getMessage());
        }
    }

    @Test
    void explainsUnusablePrompts() {
        try (CausalLM a = TinyPair.model(16, 1, 1, 0.02); CausalLM b = TinyPair.model(16, 1, 2, 0.02)) {
            Decoder d = new Decoder(a, b, DecodeConfig.greedy(100));
            assertEquals("empty prompt", d.validate(new int[0]));
            assertTrue(d.validate(new int[40]).contains("exceeds the context window of 128"));
            assertTrue(d.validate(new int[] {3, 16}).contains("outside the vocabulary"));
            assertNull(d.validate(new int[] {1, 2, 3}));
            assertThrows(IllegalArgumentException.class, () -> d.generate(List.of(new DecodeRequest(new int[0], 0)), false));
            assertThrows(IllegalArgumentException.class, () -> new Decoder(a, null, DecodeConfig.greedy(4)));
        }
    }

    @Test
    void refusesNonsenseSettings() {
        assertThrows(IllegalArgumentException.class, () -> DecodeConfig.greedy(0));
        assertThrows(IllegalArgumentException.class, () -> DecodeConfig.greedy(4).withSchedule(Schedule.CONSTANT, 0));
        assertThrows(IllegalArgumentException.class, () -> DecodeConfig.greedy(4).withSampling(-1, 0, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> DecodeConfig.greedy(4).withSampling(1, 0, 1.5, 0));
        assertThrows(IllegalArgumentException.class, () -> Mode.parse("fast"));
        assertThrows(IllegalArgumentException.class, () -> Schedule.parse("greedy"));
    }
}
