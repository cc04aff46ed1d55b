package org.specfair.lm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** ScoredPositions gives the same numbers through the host pass (CPU) and torch's ops (GPU). */
class ScoredPositionsTest {
    private static final int V = 50257;

    @AfterEach
    void restore() {
        HostLogits.use(true);
    }

    @Test
    void scoredPositionsAgreeOnBothPaths() {
        int b = 2, t = 4;
        int[][] wanted = {{-1, 17, 40000, 3}, {5, -1}};
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray logits = m.create(HostLogitsTest.rows(b * t, 8), new Shape(b, t, V));
            HostLogits.use(true);
            ScoredPositions host = ScoredPositions.of(m, logits, wanted);
            HostLogits.use(false);
            ScoredPositions torch = ScoredPositions.of(m, logits, wanted);
            for (int r = 0; r < b; r++) {
                assertArrayEquals(torch.argmax()[r], host.argmax()[r], "row " + r);
                assertArrayEquals(torch.normalizer().max(), host.normalizer().max());
                for (int j = 0; j < t; j++) {
                    double expected = torch.logProb()[r][j];
                    assertEquals(Double.isNaN(expected), Double.isNaN(host.logProb()[r][j]), "slot " + r + "," + j);
                    if (!Double.isNaN(expected)) {
                        assertEquals(expected, host.logProb()[r][j], 1e-6 * Math.max(1, Math.abs(expected)), "slot " + r + "," + j);
                    }
                }
            }
        }
    }
}
