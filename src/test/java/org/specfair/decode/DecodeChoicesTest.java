package org.specfair.decode;

import org.specfair.checkpoint.GenerationConfig;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The user's options, then generation_config.json, then SpecFair's defaults, as generate() resolves its arguments. */
class DecodeChoicesTest {
    static DecodeChoices none() {
        return new DecodeChoices("speculative", null, null, null, null, null, null, null, false, null, 0, 1.0);
    }

    static GenerationConfig sampling() { // e.g. a chat model: do_sample with its own temperature and top_p
        return new GenerationConfig(new int[] {2}, 0, 1, 64, null, true, 0.6, null, 0.9, null, null, null);
    }

    static GenerationConfig assistant() { // an assistant saved with HF >= 4.45 draft settings
        return new GenerationConfig(null, null, null, null, null, null, null, null, null, 20, "constant", 0.4);
    }

    @Test
    void projectDefaultsWithoutGenerationConfig() {
        DecodeConfig c = none().resolve(GenerationConfig.NONE, GenerationConfig.NONE);
        assertEquals(DecodeConfig.greedy(20), c);
    }

    @Test
    void checkpointDefaultsApplyWhereTheUserDidNotChoose() {
        DecodeConfig c = none().resolve(sampling(), assistant());
        assertEquals(0.6, c.temperature());
        assertEquals(50, c.topK()); // HF's TopK default when sampling and the file does not set it
        assertEquals(0.9, c.topP());
        assertEquals(64, c.maxNewTokens());
        assertEquals(Schedule.CONSTANT, c.schedule());
        assertEquals(20, c.numAssistantTokens());
        assertEquals(0.4, c.confidenceThreshold());
    }

    @Test
    void theUserWins() {
        DecodeChoices user = new DecodeChoices("speculative", 10, 0.0, null, null, "heuristic_transient", 3, 0.0, false, null, 0, 1.0);
        DecodeConfig c = user.resolve(sampling(), assistant());
        assertEquals(0.0, c.temperature()); // greedy asked for: the file's sampling settings do not apply
        assertEquals(0, c.topK());
        assertEquals(1.0, c.topP());
        assertEquals(10, c.maxNewTokens());
        assertEquals(Schedule.HEURISTIC_TRANSIENT, c.schedule());
        assertEquals(3, c.numAssistantTokens());
        assertEquals(0.0, c.confidenceThreshold());
        DecodeChoices hf44 = new DecodeChoices("speculative", null, null, null, null, null, null, null, false, "4.44", 0, 1.0);
        assertEquals(DecodeConfig.greedy(20), hf44.resolve(GenerationConfig.NONE, assistant()));
    }
}
