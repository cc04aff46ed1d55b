package org.specfair.lm.nn;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PackedMatrixTest {
    @AfterEach
    void restore() {
        PackedWeights.use(true);
    }

    private static float[] gaussian(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (r.nextDouble() * 2 - 1);
        }
        return v;
    }

    /** y = x W^T + b in double, the reference. */
    private static float[] reference(float[] x, float[] w, float[] b, int rows, int in, int out) {
        float[] y = new float[rows * out];
        for (int r = 0; r < rows; r++) {
            for (int o = 0; o < out; o++) {
                double s = 0;
                for (int i = 0; i < in; i++) {
                    s += (double) x[r * in + i] * w[o * in + i];
                }
                y[r * out + o] = (float) (s + (b == null ? 0 : b[o]));
            }
        }
        return y;
    }

    @Test
    void theVectorModuleIsInTheTestJvm() {
        // Without it every packed test below would test nothing: the pom's argLine must keep --add-modules.
        assertTrue(PackedMatrix.available(), "run with --add-modules=jdk.incubator.vector");
        assertTrue(PackedMatrix.warmUp(), "the kernels were not JIT-compiled: " + PackedMatrix.warmGflops() + " GFLOP/s");
    }

    @Test
    void matchesTheReferenceForEveryRowCountAndRaggedShapes() {
        // out not a multiple of a tile (3 panels of 8 or 16), in odd; rows across the 4-row kernel boundaries
        int[][] shapes = {{1, 5}, {7, 3}, {50, 33}, {96, 24}, {100, 129}, {16, 300}};
        for (int[] s : shapes) {
            int out = s[0];
            int in = s[1];
            float[] w = gaussian(out * in, out * 31L + in);
            float[] b = gaussian(out, 7);
            for (float[] bias : new float[][] {null, b}) {
                PackedMatrix m = new PackedMatrix(w, bias, out, in, 1);
                for (int rows = 1; rows <= 17; rows++) {
                    float[] x = gaussian(rows * in, rows);
                    float[] want = reference(x, w, bias, rows, in, out);
                    assertArrayEquals(want, m.apply(x, rows), 1e-4f, out + "x" + in + " rows " + rows + " bias " + (bias != null));
                }
            }
        }
    }

    /**
     * The property that makes speculative decoding's verify pass agree bit for bit with one-token steps, and batch
     * size not matter: a row's outputs are the same floats whatever other rows share the call and however many
     * threads split it.
     */
    @Test
    void aRowsOutputIsBitIdenticalWhateverTheRowCountAndThreads() {
        int out = 3001; // large enough to be split between threads (in chunks of tiles), with a ragged last tile
        int in = 384;
        float[] w = gaussian(out * in, 3);
        float[] b = gaussian(out, 4);
        PackedMatrix one = new PackedMatrix(w, b, out, in, 1);
        PackedMatrix three = new PackedMatrix(w, b, out, in, 3);
        float[] x = gaussian(13 * in, 5);
        for (int rows = 1; rows <= 13; rows++) {
            float[] some = Arrays.copyOf(x, rows * in);
            float[] y1 = one.apply(some, rows);
            float[] y3 = three.apply(some, rows);
            assertArrayEquals(y1, y3, 0f, rows + " rows, 1 vs 3 threads");
            for (int r = 0; r < rows; r++) {
                float[] alone = one.apply(Arrays.copyOfRange(x, r * in, (r + 1) * in), 1);
                assertArrayEquals(alone, Arrays.copyOfRange(y1, r * out, (r + 1) * out), 0f, "row " + r + " of " + rows);
            }
        }
    }

    /**
     * The packed path's products pass through the thread's reused arrays (ReusedFloats): longer than the product and
     * holding an earlier one's values. A product must read only its own rows, write every output, and leave an
     * earlier result (copied into torch) untouched.
     */
    @Test
    void productsThroughReusedBuffersLeaveNoTrace() {
        int out = 200;
        int in = 48;
        float[] w = gaussian(out * in, 6);
        float[] b = gaussian(out, 7);
        PackedMatrix p = new PackedMatrix(w, b, out, in, 2);
        float[] x = gaussian(9 * in, 8);
        float[] dirty = new float[9 * out + 5];
        Arrays.fill(dirty, Float.NaN);
        for (int rows : new int[] {9, 1, 5, 7, 2}) {
            float[] longer = Arrays.copyOf(x, x.length + 3);
            longer[rows * in] = Float.NaN; // just past the rows: must not be read
            p.applyInto(longer, rows, dirty);
            assertArrayEquals(p.apply(Arrays.copyOf(x, rows * in), rows), Arrays.copyOf(dirty, rows * out), 0f, rows + " rows");
        }
        try (NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            PackedWeights packs = new PackedWeights(Device.cpu(), DataType.FLOAT32);
            NDArray wt = m.create(w, new Shape(out, in));
            Linear packed = new Linear(wt, m.create(b), packs);
            NDArray first = null;
            float[] firstValues = null;
            for (int rows : new int[] {600, 5, 1, 7, 5}) { // the arrays grow to 600 rows, then hold them
                NDArray xs = m.randomNormal(0, 1, new Shape(rows, in), DataType.FLOAT32);
                NDArray y = packed.apply(xs);
                assertArrayEquals(p.apply(xs.toFloatArray(), rows), y.toFloatArray(), 0f, rows + " rows");
                if (first == null) {
                    first = y;
                    firstValues = y.toFloatArray();
                }
            }
            assertArrayEquals(firstValues, first.toFloatArray(), 0f, "an earlier result after later products");
        }
    }

    @Test
    void refusesInputsOfTheWrongSize() {
        PackedMatrix m = new PackedMatrix(new float[12], null, 3, 4, 1);
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> m.apply(new float[7], 2));
        assertEquals("7 inputs are not 2 rows of 4", e.getMessage());
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> new PackedMatrix(new float[11], null, 3, 4, 1));
    }

    @Test
    void linearUsesThePackedCopyWhateverTheRowCount() {
        try (NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            PackedWeights packs = new PackedWeights(Device.cpu(), DataType.FLOAT32);
            NDArray w = m.randomNormal(0, 0.5f, new Shape(40, 24), DataType.FLOAT32);
            NDArray b = m.randomNormal(0, 0.5f, new Shape(40), DataType.FLOAT32);
            Linear packed = new Linear(w, b, packs);
            Linear torch = new Linear(w, b);
            for (int rows : new int[] {1, 3, 40, 256, 257, 600}) {
                NDArray x = m.randomNormal(0, 1, new Shape(1, rows, 24), DataType.FLOAT32);
                NDArray y = packed.apply(x);
                assertEquals(new Shape(1, rows, 40), y.getShape());
                assertArrayEquals(torch.apply(x).toFloatArray(), y.toFloatArray(), 1e-5f, rows + " rows");
                assertNotNull(packs.forRows(w, b, rows), rows + " rows");
            }
        }
    }

    @Test
    void noPackedCopyOnHalfPrecisionOrWhenSwitchedOff() {
        assertNull(new PackedWeights(Device.cpu(), DataType.FLOAT16).forRows(null, null, 1));
        try (NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            NDArray w = m.ones(new Shape(4, 4));
            PackedWeights packs = new PackedWeights(Device.cpu(), DataType.FLOAT32);
            PackedWeights.use(false);
            assertNull(packs.forRows(w, null, 1));
            PackedWeights.use(true);
            assertNotNull(packs.forRows(w, null, 1));
        }
    }

    /**
     * Training changes weights in place: after {@code unfreeze()} a product must see the new values (a stale packed
     * copy would silently evaluate the old model), and a product that needs a gradient never takes the packed path.
     */
    @Test
    void unfreezeDropsTheCopySoInPlaceUpdatesAreSeen() {
        try (NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            PackedWeights packs = new PackedWeights(Device.cpu(), DataType.FLOAT32);
            NDArray w = m.ones(new Shape(8, 4));
            Linear lin = new Linear(w, null, packs);
            NDArray x = m.ones(new Shape(1, 4));
            assertEquals(4f, lin.apply(x).toFloatArray()[0]);
            packs.unfreeze();
            w.muli(2); // what AdamW does to a parameter
            assertEquals(8f, lin.apply(x).toFloatArray()[0]);
            assertFalse(packs.forRows(w, null, 1) != null, "no copy is made after unfreeze");
        }
    }

    @Test
    void aProductUnderAGradientStaysDifferentiable() {
        try (NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            PackedWeights packs = new PackedWeights(Device.cpu(), DataType.FLOAT32);
            NDArray w = m.ones(new Shape(8, 4));
            w.setRequiresGradient(true);
            NDArray x = m.ones(new Shape(1, 4));
            try (ai.djl.training.GradientCollector gc = ai.djl.engine.Engine.getInstance().newGradientCollector()) {
                NDArray y = new Linear(w, null, packs).apply(x).sum();
                gc.backward(y);
            }
            assertArrayEquals(m.ones(new Shape(8, 4)).toFloatArray(), w.getGradient().toFloatArray(), 0f);
        }
    }

    /**
     * DJL makes an array from Java data with {@code from_blob} over a direct buffer that only the first Java array
     * object keeps alive: a view of it (a split, a reshape) that outlives that object reads freed memory after a GC.
     * The packed product's result must own its memory, as torch's results do.
     */
    @Test
    void theResultOwnsItsMemoryAfterItsScopeCloses() {
        try (NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            PackedWeights packs = new PackedWeights(Device.cpu(), DataType.FLOAT32);
            NDArray w = m.randomNormal(0, 1, new Shape(4096, 64), DataType.FLOAT32);
            NDArray x = m.randomNormal(0, 1, new Shape(2, 64), DataType.FLOAT32);
            float[] want = new Linear(w, null).apply(x).get("1").toFloatArray();
            NDArray kept;
            try (NDManager scope = m.newSubManager()) {
                NDArray y = new Linear(w, null, packs).apply(scope.create(x.toFloatArray(), x.getShape()));
                kept = y.get("1"); // a view of the result's storage
                kept.attach(m);
            }
            for (int round = 0; round < 5; round++) {
                System.gc();
                java.nio.ByteBuffer[] churn = new java.nio.ByteBuffer[64];
                for (int i = 0; i < churn.length; i++) {
                    churn[i] = java.nio.ByteBuffer.allocateDirect(4096 * 4 * 2);
                    while (churn[i].hasRemaining()) {
                        churn[i].put((byte) 0x7f);
                    }
                }
            }
            assertArrayEquals(want, kept.toFloatArray(), 1e-4f);
        }
    }

    /** q, k, v (or gate, up) stacked in one packed product give bit for bit what three products give. */
    @Test
    void stackedProductsEqualSeparateOnes() {
        try (NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            PackedWeights packs = new PackedWeights(Device.cpu(), DataType.FLOAT32);
            NDArray wq = m.randomNormal(0, 1, new Shape(40, 24), DataType.FLOAT32);
            NDArray wk = m.randomNormal(0, 1, new Shape(8, 24), DataType.FLOAT32); // a narrower kv head, as in GQA
            NDArray wv = m.randomNormal(0, 1, new Shape(8, 24), DataType.FLOAT32);
            NDArray bq = m.randomNormal(0, 1, new Shape(40), DataType.FLOAT32);
            Linear q = new Linear(wq, bq, packs);
            Linear k = new Linear(wk, null, packs);
            Linear v = new Linear(wv, null, packs);
            for (int rows : new int[] {1, 5, 17, 257}) {
                NDArray x = m.randomNormal(0, 1, new Shape(1, rows, 24), DataType.FLOAT32);
                NDArray[] all = Linear.applyAll(x, q, k, v);
                Linear[] parts = {q, k, v};
                for (int i = 0; i < 3; i++) {
                    NDArray alone = parts[i].apply(x);
                    assertEquals(alone.getShape(), all[i].getShape(), rows + " rows, part " + i);
                    assertArrayEquals(alone.toFloatArray(), all[i].toFloatArray(), 0f, rows + " rows, part " + i);
                }
            }
            packs.unfreeze();
            wk.muli(2);
            NDArray x = m.ones(new Shape(1, 24));
            assertArrayEquals(k.apply(x).toFloatArray(), Linear.applyAll(x, q, k, v)[1].toFloatArray(), 0f,
                    "after unfreeze the stacked copy is gone too");
        }
    }
}
