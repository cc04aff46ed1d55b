package org.specfair.lm.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class LinearTest {
    @AfterEach
    void restore() {
        Linear.useFewRowForm(true);
    }

    /** y = x W^T + b computed on the host in double, the reference every call form must match. */
    private static float[] reference(float[] x, float[] w, float[] b, int rows, int in, int out) {
        float[] y = new float[rows * out];
        for (int r = 0; r < rows; r++) {
            for (int o = 0; o < out; o++) {
                double s = b == null ? 0 : b[o];
                for (int i = 0; i < in; i++) {
                    s += (double) x[r * in + i] * w[o * in + i];
                }
                y[r * out + o] = (float) s;
            }
        }
        return y;
    }

    @Test
    void everyRowCountAndShapeGivesXWTransposedPlusBias() {
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            // wide (few-row form), square (few-row form) and narrow (always linear) weights
            int[][] shapes = {{96, 24}, {24, 24}, {16, 40}};
            for (int[] s : shapes) {
                int out = s[0];
                int in = s[1];
                NDArray w = m.randomNormal(0, 1, new Shape(out, in), DataType.FLOAT32);
                NDArray b = m.randomNormal(0, 1, new Shape(out), DataType.FLOAT32);
                for (int rows : new int[] {1, 2, 3, 5, 8, 16, 17, 40}) {
                    NDArray x = m.randomNormal(0, 1, new Shape(1, rows, in), DataType.FLOAT32);
                    for (NDArray bias : new NDArray[] {null, b}) {
                        NDArray y = new Linear(w, bias).apply(x);
                        assertEquals(new Shape(1, rows, out), y.getShape());
                        float[] want = reference(x.toFloatArray(), w.toFloatArray(), bias == null ? null : b.toFloatArray(), rows, in, out);
                        assertArrayEquals(want, y.toFloatArray(), 1e-4f, out + "x" + in + " rows " + rows + " bias " + (bias != null));
                    }
                }
            }
        }
    }

    /** A matrix bigger than the cache (as an LM head is): one row padded to two, 9-16 rows in blocks of 8; same numbers as linear. */
    @Test
    void fewRowFormAgreesWithTorchLinearOnAStreamedHeadInBlocks() {
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            NDArray w = m.randomNormal(0, 0.02f, new Shape(11000, 768), DataType.FLOAT32); // 33.8 MB: streamed
            for (Shape xs : new Shape[] {new Shape(1, 1, 768), new Shape(2, 3, 768), new Shape(2, 6, 768), new Shape(16, 1, 768)}) {
                NDArray x = m.randomNormal(0, 1, xs, DataType.FLOAT32);
                Linear.useFewRowForm(true);
                NDArray y = new Linear(w, null).apply(x);
                Linear.useFewRowForm(false);
                float[] linear = new Linear(w, null).apply(x).toFloatArray();
                assertEquals(new Shape(xs.get(0), xs.get(1), 11000), y.getShape());
                assertArrayEquals(linear, y.toFloatArray(), 1e-5f, xs.toString());
            }
        }
    }
}
