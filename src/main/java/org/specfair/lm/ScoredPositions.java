package org.specfair.lm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * The few numbers greedy decoding needs from logits {@code [B, T, V]}: the argmax token, the log-probability
 * (temperature-1 softmax) of a requested token at each slot, and the softmax normalizer per slot (fetched anyway;
 * the scoring pass reuses it). CPU float32 logits are read once on the host ({@link HostLogits}); otherwise they
 * are computed on the device so that only {@code B x T} values cross to the host.
 */
public record ScoredPositions(int[][] argmax, double[][] logProb, FloatSoftmax.HostNormalizer normalizer) {
    /** The normalizer of slots {@code [from, from + count)} of row r. */
    public FloatSoftmax.HostNormalizer normalizer(int r, int from, int count) {
        return normalizer.range(r * argmax[r].length + from, count);
    }

    /** {@code tokens[b][t]} is the token whose log-probability is wanted at slot t (-1 = none). */
    public static ScoredPositions of(NDManager scope, NDArray logits, int[][] tokens) {
        Shape s = logits.getShape();
        int b = (int) s.get(0);
        int t = (int) s.get(1);
        int[] idx = new int[b * t];
        for (int r = 0; r < b; r++) {
            for (int j = 0; j < t; j++) {
                idx[r * t + j] = j < tokens[r].length && tokens[r][j] >= 0 ? tokens[r][j] : 0;
            }
        }
        FloatSoftmax.HostNormalizer normalizer; // B x T
        int[] am;
        float[] picked;
        if (HostLogits.applies(logits)) {
            HostLogits.Rows rows = HostLogits.of(logits, idx);
            normalizer = rows.normalizer();
            am = rows.argmax();
            picked = rows.picked();
        } else {
            normalizer = FloatSoftmax.normalizer(logits).toHost();
            long[] idxLong = new long[idx.length];
            for (int i = 0; i < idx.length; i++) {
                idxLong[i] = idx[i];
            }
            picked = logits.gather(scope.create(idxLong, new Shape(b, t, 1)), 2).toFloatArray();
            long[] amLong = logits.argMax(-1).toType(DataType.INT64, false).toLongArray();
            am = new int[amLong.length];
            for (int i = 0; i < am.length; i++) {
                am[i] = (int) amLong[i];
            }
        }
        double[] lp = normalizer.logProbs(picked);
        int[][] argmax = new int[b][t];
        double[][] logProb = new double[b][t];
        for (int r = 0; r < b; r++) {
            for (int j = 0; j < t; j++) {
                argmax[r][j] = am[r * t + j];
                boolean wanted = j < tokens[r].length && tokens[r][j] >= 0;
                logProb[r][j] = wanted ? lp[r * t + j] : Double.NaN;
                if (wanted && Double.isNaN(lp[r * t + j])) {
                    throw new IllegalStateException("model produced NaN logits (batch row " + r + "); check the checkpoint's weights");
                }
            }
        }
        return new ScoredPositions(argmax, logProb, normalizer);
    }
}
