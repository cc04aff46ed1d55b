package org.specfair.decode;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/** Mutable bookkeeping of one prompt while its batch decodes. Everything but the trace is primitive. */
final class RowState {
    final int[] prompt;
    final SplittableRandom rng;
    int[] seq;
    int length;
    boolean done;
    String finishReason;
    int draftLength;
    /** The draft stops after a token the assistant gave less than this probability (0 = off). */
    double confidenceThreshold;
    int nMatches;
    int proposed;
    int accepted;
    int mainPasses;
    int draftPasses;
    final List<Round> rounds = new ArrayList<>();
    final List<DraftToken> drafts = new ArrayList<>();
    final List<TokenSource> sources = new ArrayList<>();
    /**
     * The main model's logits {@code [V]} at each emitted position (views into the decoding passes'
     * outputs, on the device), kept when the scoring pass will need them; null otherwise.
     */
    List<ai.djl.ndarray.NDArray> mainLogits;
    /**
     * The assistant's distribution per emitted position: its logits {@code [V]}, or, where
     * {@link #assistantHidden} is set, its final hidden state {@code [D]} (the scorer applies the head,
     * batched); null where decoding did not compute it (a bonus position until the next round fills it
     * in). The list itself is null when nothing is kept.
     */
    List<ai.djl.ndarray.NDArray> assistantLogits;
    /** Positions whose {@link #assistantLogits} entry is a hidden state, not logits. */
    final java.util.BitSet assistantHidden = new java.util.BitSet();
    /** Decoding's softmax normalizers of the kept logits, where known (greedy decoding). */
    final NormalizerLog mainNormalizers = new NormalizerLog();
    final NormalizerLog assistantNormalizers = new NormalizerLog();
    /** Positions already handed to the scoring pass (their kept arrays now belong to it). */
    int scanned;
    /** Divergence per emitted position, null until scored (positions may be scored out of order). */
    final List<TokenDivergence> divergences = new ArrayList<>();

    RowState(DecodeRequest req, int initialDraftLength, double confidenceThreshold) {
        this.prompt = req.promptIds();
        this.rng = new SplittableRandom(req.seed());
        this.seq = Arrays.copyOf(prompt, prompt.length + 16);
        this.length = prompt.length;
        this.draftLength = initialDraftLength;
        this.confidenceThreshold = confidenceThreshold;
    }

    RowState(DecodeRequest req, int initialDraftLength) {
        this(req, initialDraftLength, 0);
    }

    int emitted() {
        return length - prompt.length;
    }

    /** Tokens from {@code from} to the end of the sequence (what a model's cache has not seen yet). */
    int[] tail(int from) {
        return Arrays.copyOfRange(seq, from, length);
    }

    /** Whether {@code token} is one of the {@code eos} ids (Llama 3 lists several; any of them ends a row). */
    static boolean isEos(int token, int[] eos) {
        for (int e : eos) {
            if (token == e) {
                return true;
            }
        }
        return false;
    }

    /** Appends emitted tokens; finishes the row on any eos id or when the budget is spent. */
    void emit(int token, TokenSource source, int[] eos, int maxNewTokens, boolean stopAtEos) {
        if (done) {
            return;
        }
        if (length == seq.length) {
            seq = Arrays.copyOf(seq, seq.length * 2);
        }
        seq[length++] = token;
        sources.add(source);
        if (stopAtEos && isEos(token, eos)) {
            done = true;
            finishReason = "eos";
        } else if (emitted() >= maxNewTokens) {
            done = true;
            finishReason = "length";
        }
    }

    /** Indices of the rows still decoding. */
    static int[] unfinished(List<RowState> rows) {
        return java.util.stream.IntStream.range(0, rows.size()).filter(i -> !rows.get(i).done).toArray();
    }

    /**
     * Whether to drop finished rows from the batch (and its caches): once a quarter of it is done,
     * or all of it. Finished rows would otherwise keep costing compute in every later pass.
     */
    static boolean worthDropping(int batch, int live) {
        int done = batch - live;
        return done > 0 && (live == 0 || done * 4 >= batch);
    }

    static List<RowState> select(List<RowState> rows, int[] keep) {
        List<RowState> out = new ArrayList<>(keep.length);
        for (int i : keep) {
            out.add(rows.get(i));
        }
        return out;
    }

    /**
     * Keeps rows {@code [from, from + count)} of this pass's logits {@code [T, V]} for the scoring pass,
     * with their softmax normalizers when decoding computed them ({@code normalizers} of those rows, or null).
     */
    void keepMainLogits(ai.djl.ndarray.NDArray rowLogits, int from, int count, ai.djl.ndarray.NDManager keep,
                        org.specfair.lm.FloatSoftmax.HostNormalizer normalizers) {
        if (mainLogits == null) {
            return;
        }
        for (int j = 0; j < count; j++) {
            ai.djl.ndarray.NDArray position = rowLogits.get(from + j); // a view: keeps the pass's logits alive, no copy
            position.attach(keep);
            if (normalizers != null) {
                mainNormalizers.set(mainLogits.size(), normalizers.max()[j], normalizers.logSum()[j]);
            }
            mainLogits.add(position);
        }
    }

    /**
     * Records the assistant's logits for this round's {@code emitted} tokens: proposals first, null beyond
     * them; {@code max} and {@code logSum} are the proposals' normalizers (null when not computed).
     */
    void keepAssistantLogits(ai.djl.ndarray.NDArray[] proposals, int emitted, float[] max, float[] logSum) {
        if (assistantLogits == null) {
            return;
        }
        for (int j = 0; j < emitted; j++) {
            if (j < proposals.length && max != null) {
                assistantNormalizers.set(assistantLogits.size(), max[j], logSum[j]);
            }
            assistantLogits.add(j < proposals.length ? proposals[j] : null);
        }
    }

    /**
     * The slot, in an assistant pass feeding this row's tokens from {@code cacheLength} on ({@code fed}
     * of them), whose logits are the assistant's distribution at the last emitted position when those
     * are still missing; -1 otherwise. They are missing after a bonus token: the main model emitted it
     * right after the last draft token, which the assistant never fed. The next pass that feeds that
     * draft token computes them at its slot, with exactly the prefix the scoring pass would use.
     */
    int pendingAssistantSlot(int cacheLength, int fed) {
        if (assistantLogits == null || assistantLogits.isEmpty() || assistantLogits.get(assistantLogits.size() - 1) != null) {
            return -1;
        }
        int slot = (length - 1) - 1 - cacheLength; // the slot of the token before the last one
        return slot >= 0 && slot < fed ? slot : -1;
    }

    /** Fills in the missing distribution at the last emitted position with the assistant's hidden state there. */
    void fillPendingAssistantHidden(ai.djl.ndarray.NDArray hidden) {
        keepAssistantHidden(assistantLogits.size() - 1, hidden);
    }

    void keepAssistantHidden(int index, ai.djl.ndarray.NDArray hidden) {
        assistantLogits.set(index, hidden);
        assistantHidden.set(index);
    }

    /** Indices of the emitted tokens whose assistant logits are missing (a bonus, or a draft-free final round). */
    int[] missingAssistantLogits() {
        return assistantLogits == null ? new int[0]
                : java.util.stream.IntStream.range(0, assistantLogits.size()).filter(i -> assistantLogits.get(i) == null).toArray();
    }

    int[] completion() {
        return Arrays.copyOfRange(seq, prompt.length, length);
    }
}
