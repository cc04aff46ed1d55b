package org.specfair.lm.nn;

import org.specfair.checkpoint.ModelConfig;
import org.specfair.finetune.NextTokenLoss;
import org.specfair.lm.CausalLM;
import org.specfair.lm.Models;
import org.specfair.lm.Weights;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * A garbage collection between the forward and the backward pass does not change the gradients (issue 12:
 * the demo's main model trained to slightly different weights now and then under load). The collection is
 * forced, and the native memory it frees is refilled with a value no model uses, so a backward pass that
 * still reads a freed number (DJL's {@code x.mul(number)}) gets a visibly wrong gradient instead of a
 * rare one-bit difference.
 */
class ScalarTest {
    /** Collects garbage (the buffers of unreachable direct arrays are freed), then reuses small native blocks. */
    static List<ByteBuffer> collectGarbageAndReuseFreedMemory() {
        for (int i = 0; i < 3; i++) {
            System.gc();
            try {
                Thread.sleep(30); // the reference handler frees direct buffers after the collection
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        List<ByteBuffer> junk = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            ByteBuffer b = ByteBuffer.allocateDirect(8).order(ByteOrder.nativeOrder());
            b.putDouble(0, 1e6); // a 0-d double array (DJL's scalar) read from here would say 1e6
            junk.add(b);
        }
        return junk;
    }

    @Test
    void aNumberInADifferentiatedProductOutlivesAGarbageCollection() {
        try (NDManager scope = NDManager.newBaseManager()) {
            NDArray x = scope.create(new float[] {1f, -2f, 3f});
            x.setRequiresGradient(true);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray y = Scalar.dividedBy(Scalar.times(x, 0.25), 2.0).sum();
                List<ByteBuffer> junk = collectGarbageAndReuseFreedMemory();
                gc.backward(y);
                java.lang.ref.Reference.reachabilityFence(junk);
            }
            assertArrayEquals(new float[] {0.125f, 0.125f, 0.125f}, x.getGradient().toFloatArray(), "d/dx sum(x * 0.25 / 2)");
        }
    }

    /** GPT-2 (attention scaled by 1/sqrt(head size)) and GPT-Neo (unscaled), both with the tanh GELU. */
    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "gpt_neo"})
    void gradientsOfATinyModelDoNotDependOnWhenGarbageIsCollected(String type) {
        ModelConfig c = new ModelConfig(type, 64, 32, 2, 4, 4, 64, 32, 1e-5, 0, type.equals("gpt_neo") ? 8 : 0,
                new boolean[] {false, type.equals("gpt_neo")}, "gelu_new", true, new int[] {63}, 63, "float32");
        int[][] batch = new int[4][];
        for (int r = 0; r < batch.length; r++) {
            batch[r] = new int[16];
            for (int j = 0; j < batch[r].length; j++) {
                batch[r][j] = (r * 7 + j * 13) % 63;
            }
        }
        try (CausalLM m = Models.random(c, 3, 0.2, "cpu", "float32")) {
            for (Weights.Taken p : m.parameters()) {
                p.array().setRequiresGradient(true);
            }
            Map<String, float[]> quiet = gradients(m, batch, false);
            Map<String, float[]> collected = gradients(m, batch, true);
            for (String name : quiet.keySet()) {
                assertArrayEquals(quiet.get(name), collected.get(name), type + ": gradient of " + name
                        + " after a garbage collection between forward and backward");
            }
        }
    }

    /** Each parameter's gradient of the mean next-token loss; {@code gcBeforeBackward}: collect garbage first. */
    static Map<String, float[]> gradients(CausalLM m, int[][] blocks, boolean gcBeforeBackward) {
        Map<String, float[]> out = new LinkedHashMap<>();
        try (NDManager scope = m.manager().newSubManager()) {
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray loss = NextTokenLoss.of(m, scope, blocks);
                List<ByteBuffer> junk = gcBeforeBackward ? collectGarbageAndReuseFreedMemory() : List.of();
                gc.backward(loss);
                java.lang.ref.Reference.reachabilityFence(junk);
            }
            for (Weights.Taken p : m.parameters()) {
                NDArray g = p.array().getGradient();
                g.attach(scope);
                out.put(p.name(), g.toFloatArray());
                g.muli(0);
            }
        }
        return out;
    }
}
