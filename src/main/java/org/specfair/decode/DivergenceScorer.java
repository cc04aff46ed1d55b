package org.specfair.decode;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
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

    /**
     * The assistant's logits at the emitted positions {@code [B, n, V]}: those its proposals already
     * computed (every emitted position of a speculative round but a bonus one), and for the rest one
     * teacher-forced pass whose vocabulary head runs only at the missing positions.
     */
    private NDArray assistantLogits(NDManager scope, List<RowState> rows, int[][] feed, int[][] slots, int n) {
        boolean kept = rows.stream().allMatch(r -> r.assistantLogits != null && r.assistantLogits.size() == r.emitted());
        if (!kept) {
            return assistant.logitsAt(scope, feed, null, slots);
        }
        int b = rows.size();
        int[][] missing = new int[b][];
        boolean anyMissing = false;
        for (int r = 0; r < b; r++) {
            List<NDArray> have = rows.get(r).assistantLogits;
            int[] rowSlots = slots[r];
            missing[r] = java.util.stream.IntStream.range(0, have.size()).filter(j -> have.get(j) == null)
                    .map(j -> rowSlots[j]).toArray();
            anyMissing |= missing[r].length > 0;
        }
        NDArray computed = anyMissing ? assistant.logitsAt(scope, feed, null, missing) : null; // (B, max missing, V)
        long v = assistant.config().vocabSize();
        ai.djl.ndarray.NDList perRow = new ai.djl.ndarray.NDList();
        for (int r = 0; r < b; r++) {
            ai.djl.ndarray.NDList positions = new ai.djl.ndarray.NDList();
            int m = 0;
            for (NDArray logits : rows.get(r).assistantLogits) {
                positions.add(logits != null ? logits.reshape(1, v) : computed.get(r).get(m++).reshape(1, v));
            }
            for (int j = rows.get(r).emitted(); j < n; j++) {
                positions.add(scope.zeros(new Shape(1, v), ai.djl.ndarray.types.DataType.FLOAT32, positions.isEmpty()
                        ? assistant.manager().getDevice() : positions.get(0).getDevice()));
            }
            NDArray row = ai.djl.ndarray.NDArrays.concat(positions, 0);
            row.attach(scope);
            perRow.add(row);
        }
        return ai.djl.ndarray.NDArrays.stack(perRow, 0);
    }

    /** Per-position results, flat over (row, position). */
    private static final class Metrics {
        final double[] klPQ, klQP, js, tv, hP, hQ, pTok, qTok;
        final long[] amP, amQ;

        Metrics(int size) {
            klPQ = new double[size]; klQP = new double[size]; js = new double[size]; tv = new double[size];
            hP = new double[size]; hQ = new double[size]; pTok = new double[size]; qTok = new double[size];
            amP = new long[size]; amQ = new long[size];
        }

        void put(int at, Metrics m) {
            for (var pair : new double[][][] {{m.klPQ, klPQ}, {m.klQP, klQP}, {m.js, js}, {m.tv, tv}, {m.hP, hP},
                    {m.hQ, hQ}, {m.pTok, pTok}, {m.qTok, qTok}}) {
                System.arraycopy(pair[0], 0, pair[1], at, pair[0].length);
            }
            System.arraycopy(m.amP, 0, amP, at, m.amP.length);
            System.arraycopy(m.amQ, 0, amQ, at, m.amQ.length);
        }
    }

    private NDArray logProbs(NDManager part, NDArray logits) {
        NDArray x = float64(logits);
        x.attach(part);
        return (temperature == 1.0 ? x : x.div(temperature)).logSoftmax(-1);
    }

    /**
     * All metrics for log-probabilities {@code lp, lq} of shape {@code (R, n, V)}. Every metric is a sum
     * over the vocabulary of (distribution x log-ratio), computed as batched dot products, so no product
     * array is built.
     */
    private static Metrics metrics(NDArray lp, NDArray lq, NDArray tok, long rowsN, long v) {
        Metrics out = new Metrics((int) rowsN);
        NDArray p = lp.exp();
        NDArray q = lq.exp();
        NDArray d = lp.sub(lq);                                             // log p - log q
        NDArray m = p.add(q).muli(0.5);
        // log m, floored so that positions where both probabilities underflow give 0 * finite = 0.
        NDArray logM = m.maximum(Double.MIN_NORMAL).log();
        System.arraycopy(dot(p, d, rowsN, v), 0, out.klPQ, 0, (int) rowsN);
        System.arraycopy(neg(dot(q, d, rowsN, v)), 0, out.klQP, 0, (int) rowsN);
        System.arraycopy(neg(dot(p, lp, rowsN, v)), 0, out.hP, 0, (int) rowsN);
        System.arraycopy(neg(dot(q, lq, rowsN, v)), 0, out.hQ, 0, (int) rowsN);
        double[] hM = neg(dot(m, logM, rowsN, v));
        for (int i = 0; i < rowsN; i++) {                                   // JS = H(M) - (H(P) + H(Q)) / 2
            out.js[i] = Math.max(0, hM[i] - 0.5 * (out.hP[i] + out.hQ[i]));
        }
        System.arraycopy(p.subi(q).abs().sum(new int[] {-1}).mul(0.5).toDoubleArray(), 0, out.tv, 0, (int) rowsN);
        System.arraycopy(lp.gather(tok, 2).exp().toDoubleArray(), 0, out.pTok, 0, (int) rowsN);
        System.arraycopy(lq.gather(tok, 2).exp().toDoubleArray(), 0, out.qTok, 0, (int) rowsN);
        System.arraycopy(lp.argMax(-1).toType(DataType.INT64, false).toLongArray(), 0, out.amP, 0, (int) rowsN);
        System.arraycopy(lq.argMax(-1).toType(DataType.INT64, false).toLongArray(), 0, out.amQ, 0, (int) rowsN);
        return out;
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
            NDArray assistantLogits = assistantLogits(scope, rows, feed, slots, n).toDevice(mainLogits.getDevice(), false);
            long v = mainLogits.getShape().get(2);
            // Batch rows in chunks of at most ~16 MB of float64 per array: larger arrays are fresh
            // mmap'd memory at every op (page faults dominated the time); smaller ones are reused.
            int chunk = (int) Math.max(1, (16L << 20) / ((long) n * v * 8));
            Metrics all = new Metrics(b * n);
            for (int r0 = 0; r0 < b; r0 += chunk) {
                int r1 = Math.min(b, r0 + chunk);
                try (NDManager part = scope.newSubManager()) {
                    NDIndex rowsIdx = new NDIndex().addSliceDim(r0, r1);
                    NDArray lp = logProbs(part, mainLogits.get(rowsIdx));
                    NDArray lq = logProbs(part, assistantLogits.get(rowsIdx));
                    all.put(r0 * n, metrics(lp, lq, tok.get(rowsIdx), (long) (r1 - r0) * n, v));
                }
            }
            for (int r = 0; r < b; r++) {
                RowState row = rows.get(r);
                List<TokenDivergence> list = new ArrayList<>(row.emitted());
                for (int i = 0; i < row.emitted(); i++) {
                    int j = r * n + i;
                    list.add(new TokenDivergence(row.prompt.length + i, (int) tokens[j], row.sources.get(i),
                            all.pTok[j], all.qTok[j], all.klPQ[j], all.klQP[j], all.js[j], all.tv[j], 1.0 - all.tv[j], all.hP[j], all.hQ[j],
                            all.amP[j] == all.amQ[j]));
                }
                out.add(list);
            }
        }
        return out;
    }
}
