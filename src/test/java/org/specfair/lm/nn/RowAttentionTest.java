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
