package org.specfair.lm.nn;

import org.specfair.checkpoint.ModelConfig;
import org.specfair.lm.ForwardBatch;

import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The row path's attention and norms give a row, a query and a head the same bits however the work is shared: heads
 * split between threads or not, norms four rows per loop or one.
 */
class RowAttentionTest {
    @Test
    void headsSplitBetweenThreadsGiveTheSameBits() {
        // 4 heads, two ragged rows of 70 and 45 tokens, full and local (window 8) layers: far above the split threshold
        ModelConfig c = new ModelConfig("gpt_neo", 64, 32, 2, 4, 4, 64, 128, 1e-5, 0, 8, new boolean[] {false, true},
                "gelu_new", true, 63, 63, "float32");
        int[][] tokens = {new int[70], new int[45]};
        SplittableRandom rnd = new SplittableRandom(5);
        float[] qkv = new float[2 * 70 * 3 * 32];
        for (int i = 0; i < qkv.length; i++) {
            qkv[i] = (float) rnd.nextGaussian();
        }
        try (NDManager m = NDManager.newBaseManager()) {
            for (boolean local : new boolean[] {false, true}) {
                ForwardBatch b = ForwardBatch.of(m, c, tokens, null);
                assertTrue(4L * 45 * 46 / 2 >= RowAttention.PARALLEL_MIN_SLOT_HEADS);
                float[] one = RowAttention.apply(b, 0, qkv, 4, local, 0.5f, 1);
                float[] two = RowAttention.apply(b, 0, qkv, 4, local, 0.5f, 2);
                float[] three = RowAttention.apply(b, 0, qkv, 4, local, 0.5f, 3);
                assertArrayEquals(one, two, "local " + local);
                assertArrayEquals(one, three, "local " + local);
            }
        }
    }

    @Test
    void attentionMatchesAFloat64ReferenceForEveryHeadWidth() {
        // Head widths below, at and between vector widths (the q.k lane chains, their tail and the plain scalar
        // form), over 40 causal slots: more than one block of slots whose lane chains are summed together.
        for (int hd : new int[] {8, 16, 24, 64}) {
            int heads = 2;
            int d = heads * hd;
            int t = 40;
            ModelConfig c = new ModelConfig("gpt_neo", 64, d, 1, heads, heads, 4 * d, 128, 1e-5, 0, 256, new boolean[] {false},
                    "gelu_new", true, 63, 63, "float32");
            SplittableRandom rnd = new SplittableRandom(hd);
            float[] qkv = new float[t * 3 * d];
            for (int i = 0; i < qkv.length; i++) {
                qkv[i] = (float) rnd.nextGaussian();
            }
            float scale = (float) (1 / Math.sqrt(hd));
            try (NDManager m = NDManager.newBaseManager()) {
                float[] got = RowAttention.apply(ForwardBatch.of(m, c, new int[][] {new int[t]}, null), 0, qkv, heads, false, scale, 2);
                double worst = 0;
                for (int j = 0; j < t; j++) {
                    for (int h = 0; h < heads; h++) {
                        double[] w = new double[j + 1];
                        double max = Double.NEGATIVE_INFINITY;
                        for (int s = 0; s <= j; s++) {
                            for (int e = 0; e < hd; e++) {
                                w[s] += (double) qkv[j * 3 * d + h * hd + e] * qkv[s * 3 * d + d + h * hd + e];
                            }
                            w[s] *= scale;
                            max = Math.max(max, w[s]);
                        }
                        double sum = 0;
                        for (int s = 0; s <= j; s++) {
                            w[s] = Math.exp(w[s] - max);
                            sum += w[s];
                        }
                        for (int e = 0; e < hd; e++) {
                            double want = 0;
                            for (int s = 0; s <= j; s++) {
                                want += w[s] / sum * qkv[s * 3 * d + 2 * d + h * hd + e];
                            }
                            worst = Math.max(worst, Math.abs(want - got[j * d + h * hd + e]));
                        }
                    }
                }
                assertTrue(worst < 2e-5, "head width " + hd + ": max |row attention - float64| " + worst);
            }
        }
    }

    @Test
    void layerNormOfManyRowsIsEachRowsOwn() {
        int d = 96;
        SplittableRandom rnd = new SplittableRandom(9);
        float[] w = new float[d];
        float[] bias = new float[d];
        for (int i = 0; i < d; i++) {
            w[i] = (float) (1 + 0.1 * rnd.nextGaussian());
            bias[i] = (float) (0.1 * rnd.nextGaussian());
        }
        for (int n : new int[] {1, 3, 4, 5, 9}) {
            float[] x = new float[n * d];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) (3 + 10 * rnd.nextGaussian()); // an offset: the variance's rounding matters
            }
            float[] all = RowBlock.layerNorm(x, n, w, bias, 1e-5f);
            for (int r = 0; r < n; r++) {
                float[] row = RowBlock.layerNorm(java.util.Arrays.copyOfRange(x, r * d, (r + 1) * d), 1, w, bias, 1e-5f);
                assertArrayEquals(row, java.util.Arrays.copyOfRange(all, r * d, (r + 1) * d), n + " rows, row " + r);
            }
        }
    }
}
