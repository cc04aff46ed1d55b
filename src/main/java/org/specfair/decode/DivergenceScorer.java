package org.specfair.decode;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import org.specfair.lm.CausalLM;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The scoring pass: at every emitted position, both models' full next-token distributions given
 * prompt + completion so far are compared (KL both ways, Jensen-Shannon, total variation,
 * alpha = sum(min(p, q)) = 1 - TV, entropies, argmax agreement; {@link DivergenceMath}).
 *
 * <p>Decoding already computed almost all of these distributions with exactly these prefixes: the
 * main model's at every emitted position (verification slots, or main-only steps), the assistant's
 * at every position its proposals or steps covered. The decoders keep them (views on the device, no
 * copies) in each {@link RowState}. Speculative decoding calls {@link #drainReady} after every round:
 * once a chunk's worth of positions has both distributions, they are scored and released, so kept
 * logits never grow with the generation length and the memory they held is reused while it is still
 * warm. {@link #finish} scores the rest; a teacher-forced pass over prompt + completion runs only for
 * a model whose logits are missing somewhere, with its vocabulary head only at the missing positions.
 */
final class DivergenceScorer {
    /** Bytes of one float32 {@code [chunk, V]} array: big enough to amortise per-op overhead, small enough for the cache. */
    private static final long CHUNK_BYTES = 8L << 20;

    private final CausalLM main;
    private final CausalLM assistant;
    private final double temperature;
    private final boolean tokensAreMainArgmax;
    private final int chunkRows;

    /**
     * @param tokensAreMainArgmax whether the main model picked every emitted token greedily (temperature 0,
     *                            speculative or main-only): its argmax is then known without a pass
     */
    DivergenceScorer(CausalLM main, CausalLM assistant, double temperature, boolean tokensAreMainArgmax) {
        this(main, assistant, temperature, tokensAreMainArgmax, (int) Math.max(1, CHUNK_BYTES / (4L * main.config().vocabSize())));
    }

    /** {@code chunkRows}: positions per metrics call (and the least that {@link #drainReady} scores); tests use small ones. */
    DivergenceScorer(CausalLM main, CausalLM assistant, double temperature, boolean tokensAreMainArgmax, int chunkRows) {
        this.main = main;
        this.assistant = assistant;
        this.temperature = temperature;
        this.tokensAreMainArgmax = tokensAreMainArgmax;
        this.chunkRows = chunkRows;
    }

    /** One position to score: the row, the index of the emitted token, both models' logits {@code [V]}. */
    private record Slot(RowState row, int index, NDArray mainLogits, NDArray assistantLogits) {}

    /**
     * Scores, in order, each row's positions after its scored prefix whose two distributions are both
     * kept, when at least a chunk's worth is ready (fewer would pay per-op overhead for little data),
     * and releases their logits.
     */
    void drainReady(List<RowState> rows) {
        List<Slot> ready = new ArrayList<>();
        for (RowState row : rows) {
            if (row.mainLogits == null || row.assistantLogits == null) {
                continue;
            }
            int end = Math.min(row.mainLogits.size(), row.assistantLogits.size());
            for (int i = row.divergences.size(); i < end && row.assistantLogits.get(i) != null; i++) {
                ready.add(new Slot(row, i, row.mainLogits.get(i), row.assistantLogits.get(i)));
            }
        }
        if (ready.size() >= chunkRows) {
            try (NDManager scope = main.manager().newSubManager()) {
                scoreInOrder(scope, ready);
            }
        }
    }

    /** Scores every position not scored yet and returns each row's divergences, one per emitted token. */
    List<List<TokenDivergence>> finish(List<RowState> rows) {
        int b = rows.size();
        int[][] feed = new int[b][];
        for (int r = 0; r < b; r++) {
            RowState row = rows.get(r);
            feed[r] = Arrays.copyOf(row.seq, Math.max(row.prompt.length, row.length - 1));
        }
        try (NDManager scope = main.manager().newSubManager()) {
            List<NDArray[]> mainAt = complete(scope, main, rows, rows.stream().map(r -> r.mainLogits).toList(), feed);
            List<NDArray[]> assistantAt = complete(scope, assistant, rows, rows.stream().map(r -> r.assistantLogits).toList(), feed);
            List<Slot> rest = new ArrayList<>();
            for (int r = 0; r < b; r++) {
                RowState row = rows.get(r);
                for (int i = row.divergences.size(); i < row.emitted(); i++) {
                    rest.add(new Slot(row, i, mainAt.get(r)[i], assistantAt.get(r)[i]));
                }
            }
            scoreInOrder(scope, rest);
        }
        List<List<TokenDivergence>> out = new ArrayList<>(b);
        for (RowState row : rows) {
            out.add(List.copyOf(row.divergences));
        }
        return out;
    }

    /**
     * Per row, a model's logits {@code [V]} at each emitted position not scored yet (index = position in
     * the completion; scored ones null): the kept ones, and for the rest one teacher-forced pass (no
     * cache) over the rows' prompt + completion whose head runs only at the gaps.
     */
    private static List<NDArray[]> complete(NDManager scope, CausalLM model, List<RowState> rows,
                                            List<List<NDArray>> kept, int[][] feed) {
        int b = rows.size();
        List<NDArray[]> out = new ArrayList<>(b);
        int[][] missing = new int[b][];
        boolean anyMissing = false;
        for (int r = 0; r < b; r++) {
            RowState row = rows.get(r);
            List<NDArray> have = kept.get(r) != null && kept.get(r).size() == row.emitted() ? kept.get(r) : null;
            NDArray[] at = new NDArray[row.emitted()];
            List<Integer> gaps = new ArrayList<>();
            for (int i = row.divergences.size(); i < row.emitted(); i++) {
                at[i] = have == null ? null : have.get(i);
                if (at[i] == null) {
                    gaps.add(i);
                }
            }
            // Slot j of the feed predicts the token at position j + 1: the prompt's last slot predicts the first new token.
            missing[r] = gaps.stream().mapToInt(i -> row.prompt.length - 1 + i).toArray();
            anyMissing |= !gaps.isEmpty();
            out.add(at);
        }
        if (anyMissing) {
            NDArray computed = model.logitsAt(scope, feed, null, missing); // (B, max missing, V)
            for (int r = 0; r < b; r++) {
                NDArray[] at = out.get(r);
                int m = 0;
                for (int i = rows.get(r).divergences.size(); i < at.length; i++) {
                    if (at[i] == null) {
                        at[i] = computed.get(r, m++);
                    }
                }
            }
        }
        return out;
    }

    /**
     * Computes the metrics of {@code slots} chunk by chunk, appends them to their rows' divergences
     * (slots of a row come in position order, right after its scored prefix) and releases the logits.
     */
    private void scoreInOrder(NDManager scope, List<Slot> slots) {
        for (int from = 0; from < slots.size(); from += chunkRows) {
            List<Slot> part = slots.subList(from, Math.min(slots.size(), from + chunkRows));
            long[] tokens = new long[part.size()];
            for (int j = 0; j < tokens.length; j++) {
                Slot s = part.get(j);
                tokens[j] = s.row().seq[s.row().prompt.length + s.index()];
            }
            DivergenceMath.Chunk c;
            try (NDManager chunk = scope.newSubManager()) {
                NDArray p = stack(chunk, part.stream().map(Slot::mainLogits).toList());
                NDArray q = stack(chunk, part.stream().map(Slot::assistantLogits).toList()).toDevice(p.getDevice(), false);
                c = DivergenceMath.of(p, q, tokens, temperature, tokensAreMainArgmax);
            }
            for (int j = 0; j < tokens.length; j++) {
                Slot s = part.get(j);
                RowState row = s.row();
                row.divergences.add(new TokenDivergence(row.prompt.length + s.index(), (int) tokens[j], row.sources.get(s.index()),
                        c.pTok()[j], c.qTok()[j], c.klPQ()[j], c.klQP()[j], c.js()[j], c.tv()[j], 1.0 - c.tv()[j],
                        c.hP()[j], c.hQ()[j], c.argmaxAgrees()[j]));
                // Views: closing them lets the pass outputs they point into be freed (and reused).
                s.mainLogits().close();
                s.assistantLogits().close();
            }
        }
    }

    /** {@code [n, V]} from n {@code [V]} arrays, as float32, in {@code scope}. */
    private static NDArray stack(NDManager scope, List<NDArray> rows) {
        NDArray out = NDArrays.stack(new NDList(rows), 0);
        out.attach(scope);
        return out.getDataType() == DataType.FLOAT32 ? out : out.toType(DataType.FLOAT32, false);
    }
}
