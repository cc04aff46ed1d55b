package org.specfair.lm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Parity with Hugging Face: the golden fixtures' logits (2e-3) and greedy continuations (exact, through the cache). */
class GoldenModelsTest {
    static final String[] MODELS = {"gpt2-tiny", "neo-main-tiny", "neo-draft-tiny", "llama-tiny", "llama-tiny-bf16"};

    @ParameterizedTest
    @ValueSource(strings = {"gpt2-tiny", "neo-main-tiny", "neo-draft-tiny", "llama-tiny", "llama-tiny-bf16"})
    void fullSequenceLogitsMatch(String name) {
        try (CausalLM model = Models.load(Golden.dir(name), "cpu", "float32")) {
            for (JsonNode c : Golden.expected().get("models").get(name)) {
                int[] ids = Golden.ints(c.get("input_ids"));
                try (NDManager scope = model.manager().newSubManager()) {
                    float[] got = model.logits(scope, new int[][] {ids}, null).toFloatArray();
                    JsonNode want = c.get("logits");
                    int v = model.config().vocabSize();
                    assertEquals(ids.length * v, got.length);
                    double worst = 0;
                    for (int t = 0; t < ids.length; t++) {
                        for (int j = 0; j < v; j++) {
                            worst = Math.max(worst, Math.abs(got[t * v + j] - want.get(t).get(j).asDouble()));
                        }
                    }
                    assertTrue(worst < 2e-3, name + " " + Arrays.toString(ids) + ": max |diff| " + worst);
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2-tiny", "neo-main-tiny", "neo-draft-tiny", "llama-tiny", "llama-tiny-bf16"})
    void greedyThroughCacheMatches(String name) {
        int eos = Golden.expected().get("eos_token_id").asInt();
        try (CausalLM model = Models.load(Golden.dir(name), "cpu", "float32")) {
            for (JsonNode c : Golden.expected().get("models").get(name)) {
                int[] ids = Golden.ints(c.get("input_ids"));
                List<Integer> out = new ArrayList<>();
                try (NDManager scope = model.manager().newSubManager(); KvCache cache = model.newCache(1)) {
                    int[] feed = ids;
                    for (int step = 0; step < 20; step++) {
                        NDArray logits = model.lastLogits(scope, new int[][] {feed}, cache);
                        int next = (int) logits.argMax(-1).toLongArray()[0];
                        out.add(next);
                        if (next == eos) {
                            break;
                        }
                        feed = new int[] {next};
                    }
                }
                assertArrayEquals(Golden.ints(c.get("greedy_20")), out.stream().mapToInt(i -> i).toArray(),
                        name + " " + Arrays.toString(ids));
            }
        }
    }
}
