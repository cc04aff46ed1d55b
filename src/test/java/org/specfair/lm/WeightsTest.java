package org.specfair.lm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WeightsTest {
    /** Conv1D weights are copied to [out, in] element by element; shapes that do not divide the tile size included. */
    @Test
    void transposedCopiesEveryElementToItsTransposedPlace() {
        for (int[] s : new int[][] {{1, 1}, {3, 130}, {129, 64}, {70, 200}}) {
            int rows = s[0];
            int cols = s[1];
            float[] v = new float[rows * cols];
            for (int i = 0; i < v.length; i++) {
                v[i] = i;
            }
            float[] t = Weights.transposed(FloatBuffer.wrap(v), rows, cols);
            assertEquals(v.length, t.length);
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < cols; c++) {
                    assertEquals(v[r * cols + c], t[c * rows + r], rows + "x" + cols + " at " + r + "," + c);
                }
            }
        }
    }

    /**
     * A Conv1D weight ({@code [in, out]} in the checkpoint) is {@code [out, in]} in memory, not a transposed view:
     * the few-row form of nn.Linear is 10x slower through a view. torch's transpose + clone is the counter-example.
     */
    @Test
    void aConv1DWeightIsContiguousOutByIn() throws Exception {
        int in = 5;
        int out = 7;
        float[] stored = new float[in * out];
        for (int i = 0; i < stored.length; i++) {
            stored[i] = i * 0.5f;
        }
        WeightSource source = new WeightSource() {
            @Override
            public String describe() {
                return "memory";
            }

            @Override
            public Set<String> names() {
                return Set.of("h.0.mlp.c_fc.weight");
            }

            @Override
            public long[] shape(String name) {
                return new long[] {in, out};
            }

            @Override
            public ByteBuffer float32(String name, long[] shape) {
                ByteBuffer b = ByteBuffer.allocateDirect(stored.length * 4).order(ByteOrder.nativeOrder());
                b.asFloatBuffer().put(stored);
                return b;
            }
        };
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            NDArray w = new Weights(source, m, DataType.FLOAT32).takeConv1D("h.0.mlp.c_fc.weight", in, out);
            assertEquals(new Shape(out, in), w.getShape());
            NDArray view = m.create(stored, new Shape(in, out)).transpose();
            assertArrayEquals(view.toFloatArray(), w.toFloatArray());
            assertTrue(contiguous(w));
            assertFalse(contiguous(view.duplicate()), "torch's clone of a transposed view keeps its strides");
        }
    }

    /** torch's is_contiguous, which DJL's API does not expose. */
    private static boolean contiguous(NDArray a) throws Exception {
        Class<?> lib = Class.forName("ai.djl.pytorch.jni.PyTorchLibrary");
        Field instance = lib.getDeclaredField("LIB");
        instance.setAccessible(true);
        Method isContiguous = lib.getDeclaredMethod("torchIsContiguous", long.class);
        isContiguous.setAccessible(true);
        long handle = ((ai.djl.pytorch.engine.PtNDArray) a).getHandle();
        return (boolean) isContiguous.invoke(instance.get(null), handle);
    }
}
