package org.specfair.decode;

import org.specfair.lm.FloatSoftmax;

import ai.djl.ndarray.NDArray;

/**
 * Argmax and its log-probability per row of logits {@code [B, V]}, computed on the device, and the
 * softmax normalizer per row (fetched anyway; the scoring pass reuses it).
 */
record GreedyPick(int[] token, double[] logProb, FloatSoftmax.HostNormalizer normalizer) {
    static GreedyPick of(NDArray logits) {
        long[] am = logits.argMax(-1).toType(ai.djl.ndarray.types.DataType.INT64, false).toLongArray();
        FloatSoftmax.HostNormalizer normalizer = FloatSoftmax.normalizer(logits).toHost();
        double[] mx = normalizer.logProbOfMax();
        int[] tok = new int[am.length];
        double[] lp = new double[am.length];
        for (int i = 0; i < am.length; i++) {
            tok[i] = (int) am[i];
            lp[i] = mx[i];
            if (Double.isNaN(mx[i])) {
                throw new NanLogitsException(i);
            }
        }
        return new GreedyPick(tok, lp, normalizer);
    }
}
