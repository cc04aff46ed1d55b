package org.specfair.lm;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The inference forward pass is the training forward pass: gradients flow through it (no cache) and
 * agree with a finite-difference estimate, for every architecture.
 */
class TrainableForwardTest {
    static float loss(CausalLM m, NDManager scope, int[] ids) {
        return lossArray(m, scope, ids).getFloat();
    }

    /** Mean next-token cross-entropy of ids[1..] given ids[..-1]. */
    static NDArray lossArray(CausalLM m, NDManager scope, int[] ids) {
        int[] in = java.util.Arrays.copyOf(ids, ids.length - 1);
        NDArray logp = m.logits(scope, new int[][] {in}, null).logSoftmax(-1);      // (1, T, V)
        long[] next = new long[in.length];
        for (int i = 0; i < next.length; i++) {
            next[i] = ids[i + 1];
        }
        NDArray idx = scope.create(next, new ai.djl.ndarray.types.Shape(1, next.length, 1));
        return logp.gather(idx, 2).mean().neg();
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2-tiny", "neo-main-tiny", "llama-tiny"})
    void gradientsMatchFiniteDifferences(String name) {
        int[] ids = {5, 17, 33, 2, 41, 9, 60, 12};
        try (CausalLM m = Models.load(Golden.dir(name), "cpu", "float32")) {
            for (Weights.Taken p : m.parameters()) {
                p.array().setRequiresGradient(true);
            }
            Weights.Taken probe = m.parameters().get(m.parameters().size() / 2);
            float analytic;
            try (NDManager scope = m.manager().newSubManager(); GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray loss = lossArray(m, scope, ids);
                gc.backward(loss);
                analytic = probe.array().getGradient().toFloatArray()[0];
            }
            // Central difference on the first element of the probed parameter.
            float eps = 1e-2f;
            float[] w = probe.array().toFloatArray();
            float orig = w[0];
            float up;
            float down;
            try (NDManager scope = m.manager().newSubManager()) {
                w[0] = orig + eps;
                probe.array().set(w);
                up = loss(m, scope, ids);
                w[0] = orig - eps;
                probe.array().set(w);
                down = loss(m, scope, ids);
                w[0] = orig;
                probe.array().set(w);
            }
            float numeric = (up - down) / (2 * eps);
            assertTrue(Math.abs(numeric) > 1e-4, name + ": probe " + probe.name() + " has no effect on the loss (" + numeric + "); pick another");
            assertTrue(Float.isFinite(analytic), name + ": gradient of " + probe.name());
            assertEquals(numeric, analytic, 2e-3 + 0.05 * Math.abs(numeric), name + ": d loss / d " + probe.name() + "[0]");
        }
    }
}
