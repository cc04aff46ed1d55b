package org.specfair.decode;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.specfair.lm.CausalLM;

import java.util.ArrayList;
import java.util.List;

/**
 * The teacher-forced scoring pass: both models read prompt + completion once (no cache), and at
 * every emitted position their full next-token distributions are compared on the device
 * (KL both ways, Jensen-Shannon, total variation, alpha = sum(min(p, q)) = 1 - TV, entropies,
 * argmax agreement). Only {@code B x N} numbers per metric come back to the host.
 */
final class DivergenceScorer {
    private final CausalLM main;
    private final CausalLM assistant;
    private final double temperature;

    DivergenceScorer(CausalLM main, CausalLM assistant, double temperature) {
        this.main = main;
        this.assistant = assistant;
        this.temperature = temperature;
    }

    /**
     * The main model's logits at the emitted positions as decoding computed them ({@code [B, n, V]},
     * zero-padded), or null when some row lacks them. Decoding already ran the main model over exactly
     * these prefixes (verification slots, or main-only steps), so its teacher-forced pass is skipped:
     * it would recompute the same numbers (to float rounding) at the cost of the biggest model.
     */
    private static NDArray keptMainLogits(NDManager scope, List<RowState> rows, int n) {
        ai.djl.ndarray.NDList perRow = new ai.djl.ndarray.NDList();
        for (RowState row : rows) {
            if (row.mainLogits == null || row.mainLogits.stream().mapToLong(a -> a.getShape().get(0)).sum() != row.emitted()) {
                return null;
            }
            NDArray logits = ai.djl.ndarray.NDArrays.concat(new ai.djl.ndarray.NDList(row.mainLogits), 0); // (emitted, V)
            if (row.emitted() < n) {
                NDArray pad = scope.zeros(new Shape(n - row.emitted(), logits.getShape().get(1)), logits.getDataType(), logits.getDevice());
                logits = ai.djl.ndarray.NDArrays.concat(new ai.djl.ndarray.NDList(logits, pad), 0);
            }
            logits.attach(scope);
            perRow.add(logits);
        }
        return ai.djl.ndarray.NDArrays.stack(perRow, 0);
    }

    /** Row-wise dot products of two {@code [.., V]} arrays: {@code (N,1,V) x (N,V,1)}. */
    private static double[] dot(NDArray x, NDArray y, long rows, long v) {
        return x.reshape(rows, 1, v).matMul(y.reshape(rows, v, 1)).toDoubleArray();
    }

    /**
     * The divergence math runs in float64: tokens a peaked model deems near-impossible have float32
     * probabilities in the denormal range, where CPU arithmetic is 10-100x slower (measured: the
     * metrics of a batch took 3 s instead of 0.3 s); float64 keeps them normal (and is more precise).
     */
    private static NDArray float64(NDArray x) {
        return x.toType(ai.djl.ndarray.types.DataType.FLOAT64, false);
    }

    private static double[] neg(double[] x) {
        for (int i = 0; i < x.length; i++) {
            x[i] = -x[i];
        }
        return x;
    }

    List<List<TokenDivergence>> score(List<RowState> rows) {
        int b = rows.size();
        int[][] feed = new int[b][];
        int[][] slots = new int[b][];
        int n = 1;
        for (int r = 0; r < b; r++) {
            RowState row = rows.get(r);
            int emitted = row.emitted();
            // Slot j predicts the token at position j + 1: the prompt's last slot predicts the first new token.
            feed[r] = java.util.Arrays.copyOf(row.seq, Math.max(row.prompt.length, row.length - 1));
            slots[r] = new int[emitted];
            for (int i = 0; i < emitted; i++) {
                slots[r][i] = row.prompt.length - 1 + i;
            }
            n = Math.max(n, emitted);
        }
        long[] tokens = new long[b * n];
        for (int r = 0; r < b; r++) {
            RowState row = rows.get(r);
            for (int i = 0; i < row.emitted(); i++) {
                tokens[r * n + i] = row.seq[row.prompt.length + i];
            }
        }
        List<List<TokenDivergence>> out = new ArrayList<>();
        try (NDManager scope = main.manager().newSubManager()) {
            NDArray tok = scope.create(tokens, new Shape(b, n, 1));
            NDArray mainLogits = keptMainLogits(scope, rows, n);
            if (mainLogits == null) {
                mainLogits = main.logitsAt(scope, feed, null, slots);
            }
            NDArray lp = float64(mainLogits).div(temperature).logSoftmax(-1);
            NDArray lq = float64(assistant.logitsAt(scope, feed, null, slots)).div(temperature).logSoftmax(-1);
            lq = lq.toDevice(lp.getDevice(), false);
            // Every metric is a sum over the vocabulary of (distribution x log-ratio): computed as batched
            // dot products, so each position streams its V values a few times and no product array is built.
            long rowsN = (long) b * n;
            long v = lp.getShape().get(2);
            NDArray p = lp.exp();
            NDArray q = lq.exp();
            NDArray d = lp.sub(lq);                                         // log p - log q
            NDArray m = p.add(q).muli(0.5);
            // log m, floored so that positions where both probabilities underflow give 0 * finite = 0.
            NDArray logM = m.maximum(Double.MIN_NORMAL).log();
            double[] klPQ = dot(p, d, rowsN, v);
            double[] klQP = neg(dot(q, d, rowsN, v));
            double[] hP = neg(dot(p, lp, rowsN, v));
            double[] hQ = neg(dot(q, lq, rowsN, v));
            double[] hM = neg(dot(m, logM, rowsN, v));
            double[] js = new double[hM.length];                              // JS = H(M) - (H(P) + H(Q)) / 2
            for (int i = 0; i < js.length; i++) {
                js[i] = Math.max(0, hM[i] - 0.5 * (hP[i] + hQ[i]));
            }
            double[] tv = p.subi(q).abs().sum(new int[] {-1}).mul(0.5).toDoubleArray(); // p is not used after this
            double[] pTok = lp.gather(tok, 2).exp().toDoubleArray();
            double[] qTok = lq.gather(tok, 2).exp().toDoubleArray();
            long[] amP = lp.argMax(-1).toType(DataType.INT64, false).toLongArray();
            long[] amQ = lq.argMax(-1).toType(DataType.INT64, false).toLongArray();
            for (int r = 0; r < b; r++) {
                RowState row = rows.get(r);
                List<TokenDivergence> list = new ArrayList<>(row.emitted());
                for (int i = 0; i < row.emitted(); i++) {
                    int j = r * n + i;
                    list.add(new TokenDivergence(row.prompt.length + i, (int) tokens[j], row.sources.get(i),
                            pTok[j], qTok[j], klPQ[j], klQP[j], js[j], tv[j], 1.0 - tv[j], hP[j], hQ[j], amP[j] == amQ[j]));
                }
                out.add(list);
            }
        }
        return out;
    }
}
