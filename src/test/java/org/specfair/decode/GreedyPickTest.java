package org.specfair.decode;

import org.specfair.lm.HostLogits;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** GreedyPick gives the same picks through the host pass (CPU) and torch's ops (GPU). */
class GreedyPickTest {
    private static final int V = 50257;

    @AfterEach
    void restore() {
        HostLogits.use(true);
    }

    static float[] logits(int rows, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] z = new float[rows * V];
        for (int r = 0; r < rows; r++) {
            double scale = r % 2 == 0 ? 4 : 150; // flat-ish and peaked (most logits > 60 nats below the max)
            for (int v = 0; v < V; v++) {
                z[r * V + v] = (float) (rnd.nextDouble(-1, 1) * scale);
            }
        }
        return z;
    }

    static GreedyPick pick(NDArray logits, boolean host) {
        HostLogits.use(host);
        return GreedyPick.of(logits);
    }

    @Test
    void hostAndTorchPathsPickTheSameTokens() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray logits = m.create(logits(6, 2), new Shape(6, V));
            assertTrue(HostLogits.applies(logits), "run with --add-modules=jdk.incubator.vector and C2");
            GreedyPick host = pick(logits, true);
            GreedyPick torch = pick(logits, false);
            assertArrayEquals(torch.token(), host.token());
            assertArrayEquals(torch.normalizer().max(), host.normalizer().max());
            for (int r = 0; r < 6; r++) {
                assertEquals(torch.logProb()[r], host.logProb()[r], 1e-6 + 4 * Math.ulp((float) host.logProb()[r]), "row " + r);
            }
        }
    }

    @Test
    void nanLogitsThrowForTheirRowOnBothPaths() {
        float[] z = logits(3, 5);
        z[2 * V + 123] = Float.NaN;
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray logits = m.create(z, new Shape(3, V));
            for (boolean host : new boolean[] {true, false}) {
                NanLogitsException e = assertThrows(NanLogitsException.class, () -> pick(logits, host));
                assertTrue(e.getMessage().contains("batch row 2"), e.getMessage());
            }
        }
    }
}
