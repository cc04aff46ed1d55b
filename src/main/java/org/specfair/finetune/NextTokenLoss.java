package org.specfair.finetune;

import org.specfair.lm.CausalLM;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/** Mean next-token cross-entropy of packed blocks: block[1..] predicted from block[..-1], every position counted. */
public final class NextTokenLoss {
    private NextTokenLoss() {}

    /** A scalar in {@code scope} (differentiable when a gradient collector is open). */
    public static NDArray of(CausalLM model, NDManager scope, int[][] blocks) {
        int b = blocks.length;
        int t = blocks[0].length - 1;
        int[][] inputs = new int[b][];
        long[] targets = new long[b * t];
        for (int r = 0; r < b; r++) {
            inputs[r] = java.util.Arrays.copyOf(blocks[r], t);
            for (int j = 0; j < t; j++) {
                targets[r * t + j] = blocks[r][j + 1];
            }
        }
        NDArray logProbs = model.logits(scope, inputs, null).logSoftmax(-1);                 // (B, T, V)
        NDArray picked = logProbs.gather(scope.create(targets, new Shape(b, t, 1)), 2);        // (B, T, 1)
        return picked.mean().neg();
    }
}
