package org.specfair.lm;

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
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The host pass against torch's ops (FloatSoftmax.normalizer, argMax) and a float64 reference. */
class HostLogitsTest {
    private static final int V = 50257; // GPT-2's vocabulary: not a multiple of the vector width, so tails run too

    @AfterEach
    void restore() {
        HostLogits.use(true);
    }

    /** Rows: flat, moderate, peaked (most of the vocabulary > 60 nats below the max), ties, -inf entries. */
    static float[] rows(int rows, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] z = new float[rows * V];
        for (int r = 0; r < rows; r++) {
            int kind = r % 5;
            double scale = kind == 0 ? 0.01 : kind == 1 ? 3 : kind == 2 ? 200 : 5;
            for (int v = 0; v < V; v++) {
                z[r * V + v] = (float) (rnd.nextDouble(-1, 1) * scale);
            }
            if (kind == 3) { // a tie for the top logit, not at index 0: the first one wins
                int first = 100 + rnd.nextInt(V / 2);
                z[r * V + first] = 10f;
                z[r * V + first + 1 + rnd.nextInt(V / 3)] = 10f;
            }
            if (kind == 4) { // masked tokens at -inf (top-k style); the rest stays finite
                for (int v = 0; v < V; v += 3) {
                    z[r * V + v] = Float.NEGATIVE_INFINITY;
                }
            }
        }
        return z;
    }

    @Test
    void agreesWithTorchsOpsAndAFloat64Reference() {
        int rows = 10;
        float[] z = rows(rows, 1);
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray logits = m.create(z, new Shape(rows, V));
            assertTrue(HostLogits.applies(logits), "run with --add-modules=jdk.incubator.vector and C2");
            HostLogits.Rows host = HostLogits.of(logits, null);
            FloatSoftmax.HostNormalizer torch = FloatSoftmax.normalizer(logits).toHost();
            long[] torchArgmax = logits.argMax(-1).toType(DataType.INT64, false).toLongArray();
            for (int r = 0; r < rows; r++) {
                float[] row = Arrays.copyOfRange(z, r * V, (r + 1) * V);
                assertEquals(torchArgmax[r], host.argmax()[r], "argmax row " + r);
                assertEquals(torch.max()[r], host.normalizer().max()[r], "max row " + r); // exact
                float ls = host.normalizer().logSum()[r];
                // float32 rounding of a sum of up to 50257 terms: a few ulps of the result, or 1e-6 near 0
                assertEquals(torch.logSum()[r], ls, 1e-6 + 4 * Math.ulp(ls), "logSum against torch, row " + r);
                assertEquals(floorLogSum(row), ls, 1e-6 + 4 * Math.ulp(ls), "logSum against float64, row " + r);
            }
        }
    }

    /** log sum exp(max(z - max, -FLOOR)) in double. */
    static double floorLogSum(float[] z) {
        float max = Float.NEGATIVE_INFINITY;
        for (float x : z) {
            max = Math.max(max, x);
        }
        double sum = 0;
        for (float x : z) {
            sum += Math.exp(Math.max((double) x - max, -FloatSoftmax.FLOOR));
        }
        return Math.log(sum);
    }

    @Test
    void tiesGoToTheFirstMaximalIndexAsInTorch() {
        float[] z = new float[V];
        z[7] = 1f; // in the first vector
        z[3000] = 1f;
        z[V - 1] = 1f;
        assertEquals(7, HostLogits.argmax(z));
        float[] lateTie = new float[V];
        lateTie[V - 2] = 2f; // in the scalar tail after the vector loop
        lateTie[V - 1] = 2f;
        assertEquals(V - 2, HostLogits.argmax(lateTie));
        float[] flat = new float[V]; // every logit ties: index 0
        try (NDManager m = NDManager.newBaseManager()) {
            for (float[] row : new float[][] {z, lateTie, flat}) {
                NDArray logits = m.create(row, new Shape(1, V));
                assertEquals(logits.argMax(-1).toType(DataType.INT64, false).toLongArray()[0], HostLogits.of(logits, null).argmax()[0]);
            }
        }
    }

    @Test
    void aNanOrAllMinusInfinityRowGetsANanLogSumAsInTorch() {
        float[] z = new float[3 * V];
        z[V + 10] = Float.NaN;
        Arrays.fill(z, 2 * V, 3 * V, Float.NEGATIVE_INFINITY);
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray logits = m.create(z, new Shape(3, V));
            HostLogits.Rows host = HostLogits.of(logits, null);
            FloatSoftmax.HostNormalizer torch = FloatSoftmax.normalizer(logits).toHost();
            long[] torchArgmax = logits.argMax(-1).toType(DataType.INT64, false).toLongArray();
            assertEquals(Math.log(V), host.normalizer().logSum()[0], 1e-5, "a row of zeros: logSum = log V");
            for (int r = 1; r < 3; r++) {
                assertTrue(Float.isNaN(torch.logSum()[r]), "torch, row " + r);
                assertTrue(Float.isNaN(host.normalizer().logSum()[r]), "host, row " + r);
                assertEquals(torchArgmax[r], host.argmax()[r], "argmax row " + r);
            }
        }
    }

    @Test
    void picksTheRequestedLogitsOfA3dAndNonContiguousArray() {
        int b = 2, t = 3;
        float[] z = rows(b * t, 4);
        int[] pick = {0, 5, V - 1, 17, 300, 40000};
        try (NDManager m = NDManager.newBaseManager()) {
            // stored as [T, B, V] and transposed: the [B, T, V] view is not contiguous
            NDArray logits = m.create(z, new Shape(t, b, V)).transpose(1, 0, 2);
            HostLogits.Rows host = HostLogits.of(logits, pick);
            float[] contiguous = logits.toFloatArray();
            long[] torchArgmax = logits.argMax(-1).toType(DataType.INT64, false).toLongArray();
            for (int i = 0; i < b * t; i++) {
                assertEquals(contiguous[i * V + pick[i]], host.picked()[i], "picked row " + i);
                assertEquals(torchArgmax[i], host.argmax()[i], "argmax row " + i);
            }
        }
    }

    @Test
    void aRowGetsTheSameBitsWhateverItsBatchAndTheJitState() {
        int rows = 5;
        float[] z = rows(rows, 9);
        try (NDManager m = NDManager.newBaseManager()) {
            HostLogits.Rows all = HostLogits.of(m.create(z, new Shape(rows, V)), null);
            for (int r = 0; r < rows; r++) {
                HostLogits.Rows alone = HostLogits.of(m.create(Arrays.copyOfRange(z, r * V, (r + 1) * V), new Shape(1, V)), null);
                assertEquals(all.normalizer().logSum()[r], alone.normalizer().logSum()[0], "row " + r); // bit for bit
                assertEquals(all.argmax()[r], alone.argmax()[0], "row " + r);
            }
        }
        // early calls run interpreted or C1-compiled, later ones C2-compiled: the bits must not change
        float[] small = Arrays.copyOfRange(z, 3 * V, 3 * V + 5003);
        float[] first = HostLogits.normalizer(small);
        for (int i = 0; i < 2000; i++) {
            assertArrayEquals(first, HostLogits.normalizer(small), "call " + i);
        }
    }

    @Test
    void aRowBufferLongerThanTheRowReadsOnlyTheRow() {
        // Scoring reuses per-thread row buffers sized for the largest vocabulary seen; what lies past the row (here a
        // larger maximum and a NaN) must not count.
        float[] row = Arrays.copyOf(rows(1, 6), 5003);
        float[] longer = Arrays.copyOf(row, 5003 + 37);
        Arrays.fill(longer, 5003, longer.length, 1e9f);
        longer[longer.length - 1] = Float.NaN;
        assertArrayEquals(HostLogits.normalizer(row), HostLogits.normalizer(longer, row.length)); // bit for bit
        assertEquals(HostLogits.argmax(row), HostLogits.argmax(longer, row.length));
    }
}
