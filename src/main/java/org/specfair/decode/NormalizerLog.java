package org.specfair.decode;

import org.specfair.lm.FloatSoftmax;


import java.util.Arrays;
import java.util.List;

/**
 * One model's softmax normalizer (max logit, log of the floored sum) per emitted position, as greedy
 * decoding computed it over exactly the logits the scoring pass keeps; NaN where not known. The
 * scoring pass then skips two reductions over the vocabulary per position and model.
 */
final class NormalizerLog {
    private float[] max = new float[0];
    private float[] logSum = new float[0];

    void set(int index, float maxLogit, float logSumExp) {
        if (index >= max.length) {
            int n = Math.max(index + 1, 2 * max.length);
            int old = max.length;
            max = Arrays.copyOf(max, n);
            logSum = Arrays.copyOf(logSum, n);
            Arrays.fill(max, old, n, Float.NaN);
            Arrays.fill(logSum, old, n, Float.NaN);
        }
        max[index] = maxLogit;
        logSum[index] = logSumExp;
    }

    boolean known(int index) {
        return index < max.length && !Float.isNaN(max[index]);
    }

    /** The normalizers of {@code rows[i]} at {@code indices[i]}, or null unless every one is known. */
    static FloatSoftmax.HostNormalizer gather(List<NormalizerLog> rows, int[] indices) {
        float[] m = new float[indices.length];
        float[] s = new float[indices.length];
        for (int i = 0; i < indices.length; i++) {
            NormalizerLog log = rows.get(i);
            if (!log.known(indices[i])) {
                return null;
            }
            m[i] = log.max[indices[i]];
            s[i] = log.logSum[indices[i]];
        }
        return new FloatSoftmax.HostNormalizer(m, s);
    }
}
