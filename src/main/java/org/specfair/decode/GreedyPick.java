package org.specfair.decode;

import ai.djl.ndarray.NDArray;

/** Argmax and its log-probability per row of logits {@code [B, V]}, computed on the device. */
record GreedyPick(int[] token, double[] logProb) {
    static GreedyPick of(NDArray logits) {
        NDArray logp = logits.toType(ai.djl.ndarray.types.DataType.FLOAT64, false).logSoftmax(-1); // float64: no denormals (see DivergenceScorer)
        long[] am = logp.argMax(-1).toType(ai.djl.ndarray.types.DataType.INT64, false).toLongArray();
        double[] mx = logp.max(new int[] {-1}).toDoubleArray();
        int[] tok = new int[am.length];
        double[] lp = new double[am.length];
        for (int i = 0; i < am.length; i++) {
            tok[i] = (int) am[i];
            lp[i] = mx[i];
            if (Double.isNaN(mx[i])) {
                throw new NanLogitsException(i);
            }
        }
        return new GreedyPick(tok, lp);
    }
}
