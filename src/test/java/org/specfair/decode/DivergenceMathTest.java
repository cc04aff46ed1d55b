package org.specfair.decode;

import org.specfair.lm.FloatSoftmax;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The float32 device metrics against a plain float64 reference, from flat to extremely peaked distributions. */
class DivergenceMathTest {
    private static final int V = 5000;

    /** Reference metrics in double: {klPQ, klQP, js, tv, hP, hQ, pTok, qTok}. */
    static double[] reference(float[] zp, float[] zq, int tok, double t) {
        double[] lp = logSoftmax(zp, t);
        double[] lq = logSoftmax(zq, t);
        double klPQ = 0, klQP = 0, js = 0, tv = 0, hP = 0, hQ = 0;
        for (int i = 0; i < lp.length; i++) {
            double p = Math.exp(lp[i]);
            double q = Math.exp(lq[i]);
            double m = 0.5 * (p + q);
            if (p > 0) {
                klPQ += p * (lp[i] - lq[i]);
                hP -= p * lp[i];
                js += 0.5 * p * (lp[i] - Math.log(m));
            }
            if (q > 0) {
                klQP += q * (lq[i] - lp[i]);
                hQ -= q * lq[i];
                js += 0.5 * q * (lq[i] - Math.log(m));
            }
            tv += 0.5 * Math.abs(p - q);
        }
        return new double[] {klPQ, klQP, js, tv, hP, hQ, Math.exp(lp[tok]), Math.exp(lq[tok])};
    }

    static double[] logSoftmax(float[] z, double t) {
        double max = Double.NEGATIVE_INFINITY;
        for (float x : z) {
            max = Math.max(max, x / t);
        }
        double sum = 0;
        for (float x : z) {
            sum += Math.exp(x / t - max);
        }
        double lse = max + Math.log(sum);
        double[] out = new double[z.length];
        for (int i = 0; i < z.length; i++) {
            out[i] = z[i] / t - lse;
        }
        return out;
    }

    @Test
    void matchesFloat64ReferenceFromFlatToPeaked() {
        // Logit scales from nearly uniform to spreads of hundreds of nats (float32 exp would be denormal).
        double[] scales = {0.01, 1, 4, 12, 60};
        double[] noises = {0.001, 0.3, 3};
        int rows = scales.length * noises.length;
        float[] zp = new float[rows * V];
        float[] zq = new float[rows * V];
        long[] tok = new long[rows];
        SplittableRandom rnd = new SplittableRandom(7);
        int r = 0;
        for (double scale : scales) {
            for (double noise : noises) {
                for (int i = 0; i < V; i++) {
                    double g = rnd.nextDouble(-1, 1) * scale + (i == 3 ? 5 * scale : 0);
                    zp[r * V + i] = (float) g;
                    zq[r * V + i] = (float) (g + noise * rnd.nextDouble(-1, 1) * Math.max(1, scale));
                }
                // Alternate the scored token between the top one and one deep in the tail (possibly below the floor).
                tok[r] = r % 2 == 0 ? 3 : argmin(zp, r * V);
                r++;
            }
        }
        // Temperature 1 with the normalizers given (as greedy decoding computed them) and computed here; then 0.7;
        // each through the CPU kernel and through torch's ops.
        for (int variant = 0; variant < 6; variant++) {
            DivergenceMath.useKernel(variant < 3);
            double t = variant % 3 < 2 ? 1.0 : 0.7;
            boolean given = variant % 3 == 0;
            try (NDManager m = NDManager.newBaseManager()) {
                NDArray p = m.create(zp, new Shape(rows, V));
                NDArray q = m.create(zq, new Shape(rows, V));
                DivergenceMath.Chunk c = given
                        ? DivergenceMath.of(p, q, tok, t, false, FloatSoftmax.normalizer(p).toHost(), FloatSoftmax.normalizer(q).toHost())
                        : DivergenceMath.of(p, q, tok, t, false, null, null);
                for (int i = 0; i < rows; i++) {
                    float[] a = java.util.Arrays.copyOfRange(zp, i * V, (i + 1) * V);
                    float[] b = java.util.Arrays.copyOfRange(zq, i * V, (i + 1) * V);
                    double[] ref = reference(a, b, (int) tok[i], t);
                    String label = "row " + i + " T=" + t + (given ? " normalizers given" : "") + (variant < 3 ? " kernel" : " torch");
                    assertEquals(ref[0], c.klPQ()[i], 2e-6, label + " KL(P||Q)");
                    assertEquals(ref[1], c.klQP()[i], 2e-6, label + " KL(Q||P)");
                    assertEquals(ref[2], c.js()[i], 2e-6, label + " JS");
                    assertEquals(ref[3], c.tv()[i], 2e-6, label + " TV");
                    assertEquals(ref[4], c.hP()[i], 2e-6 * Math.max(1, ref[4]), label + " H(P)");
                    assertEquals(ref[5], c.hQ()[i], 2e-6 * Math.max(1, ref[5]), label + " H(Q)");
                    // Token probabilities are exact relative to their size, even far below the floor.
                    assertEquals(ref[6], c.pTok()[i], 1e-5 * ref[6] + 1e-300, label + " p");
                    assertEquals(ref[7], c.qTok()[i], 1e-5 * ref[7] + 1e-300, label + " q");
                    assertTrue(c.klPQ()[i] >= 0 && c.klQP()[i] >= 0 && c.js()[i] >= 0 && c.tv()[i] >= 0, label);
                }
            }
        }
    }

    @org.junit.jupiter.api.AfterEach
    void restore() {
        DivergenceMath.useKernel(true);
    }

    /** Main logits uniform in [-20, 20] and assistant logits within 2 of them, {@code n} each. */
    private static float[][] nearbyLogits(int n, long seed) {
        float[] zp = new float[n];
        float[] zq = new float[n];
        SplittableRandom rnd = new SplittableRandom(seed);
        for (int i = 0; i < n; i++) {
            zp[i] = (float) rnd.nextDouble(-20, 20);
            zq[i] = zp[i] + (float) rnd.nextDouble(-2, 2);
        }
        return new float[][] {zp, zq};
    }

    /** The CPU kernel (the path CPU runs take) and torch's ops (the GPU's) give the same numbers. */
    @Test
    void theCpuKernelAgreesWithTorchsOps() {
        assertTrue(org.specfair.lm.nn.PackedMatrix.available(), "run with --add-modules=jdk.incubator.vector");
        int rows = 7;
        int v = 50257; // GPT-2's vocabulary: not a multiple of the vector width, so the tail loop runs too
        float[][] z = nearbyLogits(rows * v, 5);
        float[] zp = z[0];
        float[] zq = z[1];
        long[] tok = {0, 5, 50256, 17, 3, 99, 1000};
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray p = m.create(zp, new Shape(rows, v));
            NDArray q = m.create(zq, new Shape(rows, v));
            for (boolean argmaxToken : new boolean[] {false, true}) {
                DivergenceMath.useKernel(true);
                DivergenceMath.Chunk k = DivergenceMath.of(p, q, tok, 1.0, argmaxToken, null, null);
                DivergenceMath.useKernel(false);
                DivergenceMath.Chunk t = DivergenceMath.of(p, q, tok, 1.0, argmaxToken, null, null);
                for (int i = 0; i < rows; i++) {
                    assertEquals(t.klPQ()[i], k.klPQ()[i], 1e-6, "KL(P||Q) row " + i);
                    assertEquals(t.klQP()[i], k.klQP()[i], 1e-6, "KL(Q||P) row " + i);
                    assertEquals(t.js()[i], k.js()[i], 1e-6, "JS row " + i);
                    assertEquals(t.tv()[i], k.tv()[i], 1e-6, "TV row " + i);
                    assertEquals(t.hP()[i], k.hP()[i], 1e-5, "H(P) row " + i);
                    assertEquals(t.hQ()[i], k.hQ()[i], 1e-5, "H(Q) row " + i);
                    assertEquals(t.pTok()[i], k.pTok()[i], 1e-6 * t.pTok()[i], "p row " + i);
                    assertEquals(t.qTok()[i], k.qTok()[i], 1e-6 * t.qTok()[i], "q row " + i);
                    assertEquals(t.argmaxAgrees()[i], k.argmaxAgrees()[i], "agreement row " + i);
                }
            }
        }
    }

    @Test
    void aPositionsKernelResultDoesNotDependOnItsChunk() {
        // A chunk's positions are split between the task's threads; one position alone runs on the caller.
        int rows = 9;
        int v = 5003;
        float[][] z = nearbyLogits(rows * v, 8);
        float[] zp = z[0];
        float[] zq = z[1];
        long[] tok = {0, 5, 5002, 17, 3, 99, 1000, 7, 4000};
        try (NDManager m = NDManager.newBaseManager()) {
            DivergenceMath.useKernel(true);
            DivergenceMath.Chunk all = DivergenceMath.of(m.create(zp, new Shape(rows, v)), m.create(zq, new Shape(rows, v)), tok, 1.0, false, null, null);
            for (int i = 0; i < rows; i++) {
                NDArray p = m.create(java.util.Arrays.copyOfRange(zp, i * v, (i + 1) * v), new Shape(1, v));
                NDArray q = m.create(java.util.Arrays.copyOfRange(zq, i * v, (i + 1) * v), new Shape(1, v));
                DivergenceMath.Chunk one = DivergenceMath.of(p, q, new long[] {tok[i]}, 1.0, false, null, null);
                assertEquals(one.klPQ()[0], all.klPQ()[i], 0, "KL(P||Q) row " + i);
                assertEquals(one.klQP()[0], all.klQP()[i], 0, "KL(Q||P) row " + i);
                assertEquals(one.js()[0], all.js()[i], 0, "JS row " + i);
                assertEquals(one.tv()[0], all.tv()[i], 0, "TV row " + i);
                assertEquals(one.hP()[0], all.hP()[i], 0, "H(P) row " + i);
                assertEquals(one.pTok()[0], all.pTok()[i], 0, "p row " + i);
                assertEquals(one.qTok()[0], all.qTok()[i], 0, "q row " + i);
            }
        }
    }

    @Test
    void aSmallerVocabularyAfterALargerOneReadsOnlyItsOwnLogits() {
        // The kernel's per-thread row buffers keep the largest vocabulary seen (say GPT-2's, then a LLaMA pair in the
        // same JVM); a larger model's logits past the smaller vocabulary (here 50 nats above the rest) must not count.
        int small = 5003;
        int large = 9001;
        float[][] big = nearbyLogits(large, 3);
        for (int i = small; i < large; i++) {
            big[0][i] = 50f;
            big[1][i] = 50f;
        }
        float[][] z = nearbyLogits(small, 4);
        long[] tok = {17};
        try (NDManager m = NDManager.newBaseManager()) {
            DivergenceMath.useKernel(false);
            DivergenceMath.Chunk torch = DivergenceMath.of(m.create(z[0], new Shape(1, small)), m.create(z[1], new Shape(1, small)), tok, 1.0, false, null, null);
            DivergenceMath.useKernel(true);
            // one position runs on the calling thread: the same buffers both times
            DivergenceMath.of(m.create(big[0], new Shape(1, large)), m.create(big[1], new Shape(1, large)), tok, 1.0, false, null, null);
            DivergenceMath.Chunk kernel = DivergenceMath.of(m.create(z[0], new Shape(1, small)), m.create(z[1], new Shape(1, small)), tok, 1.0, false, null, null);
            assertEquals(torch.klPQ()[0], kernel.klPQ()[0], 1e-6, "KL(P||Q)");
            assertEquals(torch.js()[0], kernel.js()[0], 1e-6, "JS");
            assertEquals(torch.hP()[0], kernel.hP()[0], 1e-6, "H(P)");
            assertEquals(torch.pTok()[0], kernel.pTok()[0], 1e-6, "p");
            assertEquals(torch.argmaxAgrees()[0], kernel.argmaxAgrees()[0], "argmax agreement");
        }
    }

    @Test
    void separateRowViewsGiveTheStackedChunksNumbers() {
        // The scoring pass hands over each position's logits as a [V] view into a pass's output, in a different
        // order than they lie in memory; the kernel reads them in place, torch's path stacks them first.
        int rows = 6;
        int v = 5003;
        float[][] z = nearbyLogits(2 * rows * v, 8);
        long[] tok = {0, 5, 5002, 17, 3, 99};
        int[] order = {3, 0, 5, 1, 4, 2}; // position i reads row order[i] of each model's output
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray outP = m.create(z[0], new Shape(2, rows, v)); // like a pass's [B, T, V] logits
            NDArray outQ = m.create(z[1], new Shape(2, rows, v));
            float[] zp = new float[rows * v];
            float[] zq = new float[rows * v];
            java.util.List<NDArray> p = new java.util.ArrayList<>();
            java.util.List<NDArray> q = new java.util.ArrayList<>();
            for (int i = 0; i < rows; i++) {
                p.add(outP.get(1, order[i]));
                q.add(outQ.get(1, order[i]));
                System.arraycopy(z[0], (rows + order[i]) * v, zp, i * v, v);
                System.arraycopy(z[1], (rows + order[i]) * v, zq, i * v, v);
            }
            for (boolean kernel : new boolean[] {true, false}) {
                DivergenceMath.useKernel(kernel);
                try {
                    DivergenceMath.Chunk stacked = DivergenceMath.of(m.create(zp, new Shape(rows, v)), m.create(zq, new Shape(rows, v)), tok,
                            1.0, false, null, null);
                    DivergenceMath.Chunk views = DivergenceMath.of(p, q, tok, 1.0, false, null, null);
                    for (int i = 0; i < rows; i++) {
                        String where = (kernel ? "kernel" : "torch") + ", position " + i;
                        assertEquals(stacked.klPQ()[i], views.klPQ()[i], 0, "KL(P||Q), " + where);
                        assertEquals(stacked.klQP()[i], views.klQP()[i], 0, "KL(Q||P), " + where);
                        assertEquals(stacked.js()[i], views.js()[i], 0, "JS, " + where);
                        assertEquals(stacked.tv()[i], views.tv()[i], 0, "TV, " + where);
                        assertEquals(stacked.hQ()[i], views.hQ()[i], 0, "H(Q), " + where);
                        assertEquals(stacked.pTok()[i], views.pTok()[i], 0, "p, " + where);
                        assertEquals(stacked.argmaxAgrees()[i], views.argmaxAgrees()[i], where);
                    }
                } finally {
                    DivergenceMath.useKernel(true);
                }
            }
        }
    }

    @Test
    void identicalDistributionsHaveZeroDivergenceAndAgree() {
        float[] z = new float[2 * V];
        SplittableRandom rnd = new SplittableRandom(3);
        for (int i = 0; i < z.length; i++) {
            z[i] = (float) rnd.nextDouble(-30, 30);
        }
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray p = m.create(z, new Shape(2, V));
            DivergenceMath.Chunk c = DivergenceMath.of(p, p.duplicate(), new long[] {0, 1}, 1.0, false, null, null);
            for (int i = 0; i < 2; i++) {
                assertEquals(0, c.klPQ()[i], 1e-7);
                assertEquals(0, c.js()[i], 1e-7);
                assertEquals(0, c.tv()[i], 1e-6);
                assertTrue(c.argmaxAgrees()[i]);
            }
        }
    }

    @Test
    void agreementFromTheMainArgmaxTokenMatchesBothArgmaxes() {
        // Rows whose token is the main argmax; the assistant agrees on some and not others.
        int rows = 40;
        float[] zp = new float[rows * V];
        float[] zq = new float[rows * V];
        long[] tok = new long[rows];
        SplittableRandom rnd = new SplittableRandom(11);
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < V; i++) {
                zp[r * V + i] = (float) rnd.nextDouble(-4, 4);
                zq[r * V + i] = zp[r * V + i] + (float) rnd.nextDouble(-0.5, 0.5) * (r % 3);
            }
            tok[r] = argmax(zp, r * V);
        }
        int agreeing = 0;
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray p = m.create(zp, new Shape(rows, V));
            NDArray q = m.create(zq, new Shape(rows, V));
            DivergenceMath.Chunk full = DivergenceMath.of(p, q, tok, 1.0, false, null, null);
            DivergenceMath.Chunk shortcut = DivergenceMath.of(p, q, tok, 1.0, true, null, null);
            for (int r = 0; r < rows; r++) {
                assertEquals(argmax(zq, r * V) == tok[r], full.argmaxAgrees()[r], "row " + r);
                assertEquals(full.argmaxAgrees()[r], shortcut.argmaxAgrees()[r], "row " + r);
                agreeing += full.argmaxAgrees()[r] ? 1 : 0;
            }
        }
        assertTrue(agreeing > 5 && agreeing < rows - 5, "agreeing rows: " + agreeing);
    }

    private static int argmax(float[] z, int from) {
        int best = 0;
        for (int i = 1; i < V; i++) {
            if (z[from + i] > z[from + best]) {
                best = i;
            }
        }
        return best;
    }

    private static int argmin(float[] z, int from) {
        int best = 0;
        for (int i = 1; i < V; i++) {
            if (z[from + i] < z[from + best]) {
                best = i;
            }
        }
        return best;
    }
}
