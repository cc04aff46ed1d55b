package org.specfair.decode;

import org.specfair.lm.CausalLM;
import org.specfair.lm.FloatSoftmax;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;

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
 * at every position its proposals or steps covered, and at bonus positions its hidden state (the
 * head is applied here, to many at once). The decoders keep them (views on the device, no copies) in
 * each {@link RowState}, and {@link #finish} scores them after decoding, in chunks, with one head call
 * for all the bonus positions (measured: batch 16 on a CPU, +8-16% over decoding alone, against
 * +15-25% when scoring after every round). So that a large batch on a GPU does not hold
 * B x tokens x V floats per model, speculative decoding calls {@link #drainReady} after every round,
 * which scores and releases what is ready once the kept logits pass a memory budget.
 * {@link #finish} scores the rest; a teacher-forced pass over prompt + completion runs only for a
 * model whose logits are missing somewhere, with its vocabulary head only at the missing positions.
 */
final class DivergenceScorer {
    /** Bytes of one float32 {@code [chunk, V]} array: big enough to amortise per-op overhead, small enough for the cache. */
    private static final long CHUNK_BYTES = 8L << 20;
    /** Kept logits (both models) beyond which {@link #drainReady} scores during decoding. */
    private static final long KEEP_BUDGET_BYTES = 1L << 30;

    private final CausalLM main;
    private final CausalLM assistant;
    private final double temperature;
    private final boolean tokensAreMainArgmax;
    private final int chunkRows;
    private final long drainAt;
    /** Positions to score whose two logits are kept (or computed). */
    private final List<Slot> direct = new ArrayList<>();
    /** Positions to score whose assistant side is a hidden state: one head call for all of them. */
    private final List<Slot> deferred = new ArrayList<>();

    /**
     * @param tokensAreMainArgmax whether the main model picked every emitted token greedily (temperature 0,
     *                            speculative or main-only): its argmax is then known without a pass
     */
    DivergenceScorer(CausalLM main, CausalLM assistant, double temperature, boolean tokensAreMainArgmax) {
        this(main, assistant, temperature, tokensAreMainArgmax, (int) Math.max(1, CHUNK_BYTES / (4L * main.config().vocabSize())),
                KEEP_BUDGET_BYTES / (2 * 4L * main.config().vocabSize()));
    }

    /**
     * {@code chunkRows}: positions per metrics call; {@code drainAt}: kept, unscored positions from which
     * {@link #drainReady} scores during decoding. Tests use small ones.
     */
    DivergenceScorer(CausalLM main, CausalLM assistant, double temperature, boolean tokensAreMainArgmax, int chunkRows, long drainAt) {
        this.main = main;
        this.assistant = assistant;
        this.temperature = temperature;
        this.tokensAreMainArgmax = tokensAreMainArgmax;
        this.chunkRows = chunkRows;
        this.drainAt = drainAt;
    }

    /** One position to score: the row, the emitted token's index, the main logits {@code [V]}, the assistant's logits or hidden state. */
    private record Slot(RowState row, int index, NDArray mainLogits, NDArray assistant) {}

    /**
     * Once the kept, unscored positions reach the budget: hands over each row's kept positions (in
     * order, up to its first gap), scores them and releases their logits.
     */
    void drainReady(List<RowState> rows) {
        long kept = 0;
        for (RowState row : rows) {
            kept += row.emitted() - row.scanned;
        }
        if (kept < drainAt) {
            return;
        }
        for (RowState row : rows) {
            if (row.mainLogits == null || row.assistantLogits == null) {
                continue;
            }
            int end = Math.min(row.mainLogits.size(), row.assistantLogits.size());
            int i = row.scanned;
            for (; i < end && row.assistantLogits.get(i) != null; i++) {
                (row.assistantHidden.get(i) ? deferred : direct).add(new Slot(row, i, row.mainLogits.get(i), row.assistantLogits.get(i)));
            }
            row.scanned = i;
        }
        try (NDManager scope = main.manager().newSubManager()) {
            score(scope, direct, false);
            score(scope, deferred, true);
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
            for (int r = 0; r < b; r++) {
                RowState row = rows.get(r);
                for (int i = row.scanned; i < row.emitted(); i++) {
                    // A hidden state is only ever kept, never computed here: the flag says what the entry is.
                    boolean hidden = row.assistantHidden.get(i) && row.assistantLogits.get(i) == assistantAt.get(r)[i];
                    (hidden ? deferred : direct).add(new Slot(row, i, mainAt.get(r)[i], assistantAt.get(r)[i]));
                }
                row.scanned = row.emitted();
            }
            score(scope, direct, false);
            score(scope, deferred, true);
        }
        List<List<TokenDivergence>> out = new ArrayList<>(b);
        for (RowState row : rows) {
            out.add(List.copyOf(row.divergences));
        }
        return out;
    }

    /**
     * Per row, a model's logits (or kept hidden states) at each emitted position not yet handed over
     * (index = position in the completion; earlier ones null): the kept ones, and for the rest one
     * teacher-forced pass (no cache) over the rows' prompt + completion whose head runs only at the gaps.
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
            for (int i = row.scanned; i < row.emitted(); i++) {
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
                for (int i = rows.get(r).scanned; i < at.length; i++) {
                    if (at[i] == null) {
                        at[i] = computed.get(r, m++);
                    }
                }
            }
        }
        return out;
    }

    /**
     * Computes the metrics of {@code slots} chunk by chunk into their rows' divergences, releases
     * their arrays and empties the list. {@code hidden}: the assistant side is hidden states, turned
     * into logits by one head call for all of them.
     */
    private void score(NDManager scope, List<Slot> slots, boolean hidden) {
        if (slots.isEmpty()) {
            return;
        }
        NDArray assistantLogits = null;
        if (hidden) {
            NDArray states = NDArrays.stack(new NDList(slots.stream().map(Slot::assistant).toList()), 0); // (n, D), model dtype
            states.attach(scope);
            assistantLogits = assistant.head(states); // (n, V) float32
            assistantLogits.attach(scope);
        }
        for (int from = 0; from < slots.size(); from += chunkRows) {
            int to = Math.min(slots.size(), from + chunkRows);
            List<Slot> part = slots.subList(from, to);
            long[] tokens = new long[part.size()];
            for (int j = 0; j < tokens.length; j++) {
                Slot s = part.get(j);
                tokens[j] = s.row().seq[s.row().prompt.length + s.index()];
            }
            // Decoding's normalizers fit only the raw logits it saw (temperature 1) and exactly these positions.
            int[] indices = part.stream().mapToInt(Slot::index).toArray();
            List<RowState> partRows = part.stream().map(Slot::row).toList();
            FloatSoftmax.HostNormalizer knownP = temperature != 1.0 ? null
                    : NormalizerLog.gather(partRows.stream().map(r -> r.mainNormalizers).toList(), indices);
            FloatSoftmax.HostNormalizer knownQ = temperature != 1.0 || hidden ? null
                    : NormalizerLog.gather(partRows.stream().map(r -> r.assistantNormalizers).toList(), indices);
            // Views, read in place (the hidden case's rows of the head's output live in scope).
            List<NDArray> q = new ArrayList<>(part.size());
            for (int j = from; j < to; j++) {
                q.add(hidden ? assistantLogits.get(j) : slots.get(j).assistant());
            }
            DivergenceMath.Chunk c = DivergenceMath.of(part.stream().map(Slot::mainLogits).toList(), q, tokens, temperature,
                    tokensAreMainArgmax, knownP, knownQ);
            for (int j = 0; j < tokens.length; j++) {
                Slot s = part.get(j);
                RowState row = s.row();
                while (row.divergences.size() <= s.index()) {
                    row.divergences.add(null);
                }
                row.divergences.set(s.index(), new TokenDivergence(row.prompt.length + s.index(), (int) tokens[j],
                        row.sources.get(s.index()), c.pTok()[j], c.qTok()[j], c.klPQ()[j], c.klQP()[j], c.js()[j],
                        c.tv()[j], 1.0 - c.tv()[j], c.hP()[j], c.hQ()[j], c.argmaxAgrees()[j]));
                // Mostly views: closing them lets the pass outputs they point into be freed (and reused).
                s.mainLogits().close();
                s.assistant().close();
            }
        }
        slots.clear();
    }

}
