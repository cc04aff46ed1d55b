package org.specfair.decode;

import org.specfair.lm.FloatSoftmax;
import org.specfair.lm.HostLogits;

import ai.djl.ndarray.NDArray;

/**
 * Argmax and its log-probability per row of logits {@code [B, V]}, and the softmax normalizer per row (fetched
 * anyway; the scoring pass reuses it). CPU float32 logits are read once on the host ({@link HostLogits}); otherwise
 * torch computes them on the device and only the per-row numbers are copied.
 */
record GreedyPick(int[] token, double[] logProb, FloatSoftmax.HostNormalizer normalizer) {
    static GreedyPick of(NDArray logits) {
        int[] tok;
        FloatSoftmax.HostNormalizer normalizer;
        if (HostLogits.applies(logits)) {
            HostLogits.Rows rows = HostLogits.of(logits, null);
            tok = rows.argmax();
            normalizer = rows.normalizer();
        } else {
            long[] am = logits.argMax(-1).toType(ai.djl.ndarray.types.DataType.INT64, false).toLongArray();
            tok = new int[am.length];
            for (int i = 0; i < am.length; i++) {
                tok[i] = (int) am[i];
            }
            normalizer = FloatSoftmax.normalizer(logits).toHost();
        }
        double[] lp = normalizer.logProbOfMax();
        for (int i = 0; i < lp.length; i++) {
            if (Double.isNaN(lp[i])) {
                throw new NanLogitsException(i);
            }
        }
        return new GreedyPick(tok, lp, normalizer);
    }
}
