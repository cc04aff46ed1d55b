package org.specfair.decode;

import org.specfair.lm.CausalLM;
import org.specfair.lm.KvCache;
import org.specfair.lm.ScoredPositions;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Batched speculative decoding (Hugging Face's assisted generation at temperature 0; speculative
 * sampling above it). Every row keeps its own sequence, cache lengths and draft length, so a
 * prompt gets the same tokens and trace whatever batch it decodes in. One round:
 * <ol>
 *   <li>propose: the assistant drafts k = min(draft length, tokens left - 1) tokens per row, stopping after an eos
 *       id, or after a token it gave less than the row's confidence threshold (HF's ConfidenceCriteria);</li>
 *   <li>verify: one main forward over the not-yet-cached tokens plus the draft;</li>
 *   <li>select: {@link Verifier} keeps the accepted prefix and adds the main model's next token;</li>
 *   <li>crop both caches back to the accepted sequence; adapt the draft length.</li>
 * </ol>
 */
final class SpeculativeDecoder {
    private final CausalLM main;
    private final CausalLM assistant;
    private final DecodeConfig cfg;
    private final int[] eos;
    private final Sampler sampler;
    private final SamplingRule rule;
    /** Where logits kept for the scoring pass live (null: scoring off). */
    private final NDManager keep;
    /** Scores and releases kept positions when they pass its memory budget (null: scoring off). */
    private final DivergenceScorer scorer;

    /** The acceptance rule used when sampling; an interface only so a test can prove a wrong rule is caught. */
    interface SamplingRule {
        Verifier.Verdict verify(int[] draft, double[][] p, double[][] q, java.util.SplittableRandom rng);
    }

    SpeculativeDecoder(CausalLM main, CausalLM assistant, DecodeConfig cfg, int[] eos, SamplingRule rule, NDManager keep,
                       DivergenceScorer scorer) {
        this.rule = rule;
        this.keep = keep;
        this.scorer = scorer;
        this.main = main;
        this.assistant = assistant;
        this.cfg = cfg;
        this.eos = eos;
        this.sampler = cfg.sampling() ? new Sampler(cfg.temperature(), cfg.topK(), cfg.topP()) : null;
    }

    void run(List<RowState> all) {
        List<RowState> rows = new ArrayList<>(all);
        KvCache mainCache = main.newCache(rows.size());
        KvCache draftCache = assistant.newCache(rows.size());
        try (NDManager scope = main.manager().newSubManager()) {
            // No separate prefill (as Hugging Face's assisted generation): the first round's assistant step feeds
            // the prompt, and its verify pass feeds the prompt with the draft. One weight read per model saved.
            while (!rows.isEmpty()) {
                try (NDManager round = scope.newSubManager()) {
                    round(round, rows, mainCache, draftCache);
                }
                if (keep != null) {
                    keepFinalAssistantLogits(rows, draftCache);
                }
                if (scorer != null) {
                    scorer.drainReady(all);
                }
                int[] live = RowState.unfinished(rows);
                if (RowState.worthDropping(rows.size(), live.length)) {
                    mainCache = mainCache.keepRows(live);
                    draftCache = draftCache.keepRows(live);
                    rows = RowState.select(rows, live);
                }
            }
        } finally {
            mainCache.close();
            draftCache.close();
        }
    }

    /**
     * Rows that just finished may lack the assistant's distribution at their last positions (a bonus
     * token, or a final round with no draft), and no later round will feed the tokens before them.
     * One assistant pass over a copy of those rows' cache computes them, as hidden states for the
     * scorer's batched head call (a copy, so the live rows' caches, and hence their decoding, stay untouched).
     */
    private void keepFinalAssistantLogits(List<RowState> rows, KvCache draftCache) {
        List<Integer> cacheRows = new ArrayList<>();
        List<int[]> missing = new ArrayList<>();
        List<int[]> feeds = new ArrayList<>();
        List<int[]> slots = new ArrayList<>();
        for (int r = 0; r < rows.size(); r++) {
            RowState row = rows.get(r);
            if (!row.done) {
                continue;
            }
            int cached = draftCache.length(r);
            // Slot j of a feed starting at the cache's end predicts the token at position cached + j + 1;
            // a gap whose preceding token is already cached cannot be produced here (teacher-forced later).
            int[] gaps = Arrays.stream(row.missingAssistantLogits()).filter(m -> row.prompt.length + m - 1 >= cached).toArray();
            if (gaps.length > 0) {
                cacheRows.add(r);
                missing.add(gaps);
                feeds.add(Arrays.copyOfRange(row.seq, cached, row.length - 1));
                slots.add(Arrays.stream(gaps).map(m -> row.prompt.length + m - 1 - cached).toArray());
            }
        }
        if (cacheRows.isEmpty()) {
            return;
        }
        int[] picked = cacheRows.stream().mapToInt(Integer::intValue).toArray();
        try (KvCache side = draftCache.copyRows(picked); NDManager scope = assistant.manager().newSubManager()) {
            NDArray hidden = assistant.hiddenAt(scope, feeds.toArray(int[][]::new), side, slots.toArray(int[][]::new)); // (R, max gaps, D)
            for (int j = 0; j < picked.length; j++) {
                int[] gaps = missing.get(j);
                for (int x = 0; x < gaps.length; x++) {
                    NDArray kept = hidden.get(j, x); // a view: no copy
                    kept.attach(keep);
                    rows.get(picked[j]).keepAssistantHidden(gaps[x], kept);
                }
            }
        }
    }

    private void round(NDManager scope, List<RowState> rows, KvCache mainCache, KvCache draftCache) {
        int b = rows.size();
        int[] k = new int[b];
        int[] lengthBefore = new int[b];
        for (int r = 0; r < b; r++) {
            RowState row = rows.get(r);
            lengthBefore[r] = row.length;
            k[r] = row.done ? 0 : Math.min(row.draftLength, cfg.maxNewTokens() - row.emitted() - 1);
        }
        // 1. Propose.
        Draft draft = propose(scope, rows, k, draftCache);
        // 2. Verify (one main pass) and 3. select.
        Verification v = verify(scope, rows, draft, mainCache);
        // 4. Append, crop the caches, adapt the draft length.
        for (int r = 0; r < b; r++) {
            if (!rows.get(r).done) {
                RowState row = rows.get(r);
                accept(row, draft.tokens[r], draft.q[r], v.verdicts[r], v.pOfDraft[r]);
                // The main distributions of the emitted tokens were just computed: the scoring pass reuses them.
                int emitted = row.length - lengthBefore[r];
                row.keepMainLogits(v.logits.get(r), v.offset[r], emitted, keep,
                        v.greedy == null || keep == null ? null : v.greedy.normalizer(r, v.offset[r], emitted));
                // So were the assistant's at every emitted position but a bonus one: proposal j saw the same prefix.
                row.keepAssistantLogits(draft.qLogits[r], emitted, draft.qMax[r], draft.qLogSum[r]);
                // Both caches may hold rejected draft tokens: keep only what agrees with the new sequence.
                int keep = lengthBefore[r] + v.verdicts[r].nMatches();
                mainCache.truncate(r, Math.min(mainCache.length(r), keep));
                draftCache.truncate(r, Math.min(draftCache.length(r), keep));
            }
        }
    }

    /** Per row: the verifier's decision and the main probability of each draft token; the pass's logits and slot offsets. */
    private record Verification(Verifier.Verdict[] verdicts, double[][] pOfDraft, NDArray logits, int[] offset,
                                ScoredPositions greedy) {}

    /**
     * One main forward over each row's uncached tail plus its draft; slot {@code offset + i} of the returned
     * logits holds the main distribution for draft token i (and {@code offset + k} the one after the draft).
     * The head is applied to those k + 1 slots only: the first round's tail is the whole prompt.
     */
    private Verification verify(NDManager scope, List<RowState> rows, Draft draft, KvCache mainCache) {
        int b = rows.size();
        int[][] feed = new int[b][];
        int[] offset = new int[b];
        int[][] slots = new int[b][];
        boolean prompt = false;
        for (int r = 0; r < b; r++) {
            RowState row = rows.get(r);
            if (row.done) {
                feed[r] = new int[0];
                slots[r] = new int[0];
                continue;
            }
            int[] tail = row.tail(mainCache.length(r));
            int[] d = draft.tokens[r];
            feed[r] = concat(tail, d);
            offset[r] = tail.length - 1;
            slots[r] = java.util.stream.IntStream.rangeClosed(offset[r], offset[r] + d.length).toArray();
            prompt |= offset[r] > 0;
            row.mainPasses++;
        }
        NDArray logits;
        if (prompt) {
            logits = main.logitsAt(scope, feed, mainCache, slots);
            Arrays.fill(offset, 0);
        } else {
            logits = main.logits(scope, feed, mainCache);
        }
        int[][] wanted = new int[b][];
        for (int r = 0; r < b; r++) {
            wanted[r] = new int[rows.get(r).done ? 0 : offset[r] + draft.tokens[r].length + 1];
            Arrays.fill(wanted[r], -1);
            if (!rows.get(r).done) {
                System.arraycopy(draft.tokens[r], 0, wanted[r], offset[r], draft.tokens[r].length);
            }
        }
        ScoredPositions greedy = sampler == null ? ScoredPositions.of(scope, logits, wanted) : null;
        float[] hostLogits = sampler == null ? null : logits.toFloatArray();
        int vocab = main.config().vocabSize();
        int width = (int) logits.getShape().get(1);
        Verifier.Verdict[] verdicts = new Verifier.Verdict[b];
        double[][] pOfDraft = new double[b][];
        for (int r = 0; r < b; r++) {
            RowState row = rows.get(r);
            if (row.done) {
                continue;
            }
            int[] d = draft.tokens[r];
            pOfDraft[r] = new double[d.length];
            if (sampler == null) {
                verdicts[r] = Verifier.greedy(d, Arrays.copyOfRange(greedy.argmax()[r], offset[r], offset[r] + d.length + 1));
                for (int i = 0; i < d.length; i++) {
                    pOfDraft[r][i] = Math.exp(greedy.logProb()[r][offset[r] + i]);
                }
            } else {
                double[][] p = new double[d.length + 1][];
                for (int i = 0; i <= d.length; i++) {
                    p[i] = sampler.distribution(hostLogits, ((r * width) + offset[r] + i) * vocab, vocab);
                }
                for (int i = 0; i < d.length; i++) {
                    pOfDraft[r][i] = p[i][d[i]];
                }
                verdicts[r] = rule.verify(d, p, draft.qDist[r], row.rng);
            }
        }
        return new Verification(verdicts, pOfDraft, logits, offset, greedy);
    }

    /** Records the round in the row's trace and appends its emitted tokens (accepted prefix + the main model's next). */
    private void accept(RowState row, int[] d, double[] q, Verifier.Verdict verdict, double[] pOfDraft) {
        int lengthBefore = row.length;
        int accepted = verdict.nMatches();
        boolean draftEndsInEos = d.length > 0 && RowState.isEos(d[d.length - 1], eos) && cfg.stopAtEos();
        boolean eosAccepted = draftEndsInEos && accepted == d.length;
        int nMatches = eosAccepted ? accepted - 1 : accepted; // Hugging Face counts an accepted final eos as the main model's
        int roundIndex = row.rounds.size();
        for (int i = 0; i < d.length; i++) {
            row.drafts.add(new DraftToken(roundIndex, i, d[i], pOfDraft[i], q[i], i < accepted));
        }
        int[] emitted = eosAccepted ? d.clone() : concat(Arrays.copyOf(d, accepted), new int[] {verdict.next()});
        for (int i = 0; i < emitted.length && !row.done; i++) {
            TokenSource source = i < accepted ? TokenSource.ACCEPTED_DRAFT
                    : accepted < d.length ? TokenSource.CORRECTION : TokenSource.BONUS;
            row.emit(emitted[i], source, eos, cfg.maxNewTokens(), cfg.stopAtEos());
        }
        row.rounds.add(new Round(d, nMatches, Arrays.copyOf(emitted, row.length - lengthBefore)));
        row.nMatches += nMatches;
        row.proposed += d.length;
        row.accepted += accepted;
        row.draftLength = cfg.schedule().next(row.draftLength, nMatches);
    }

    /** The assistant's proposals: tokens, their probabilities q, and (when sampling) the full q distributions. */
    private static final class Draft {
        final int[][] tokens;
        final double[][] q;
        final double[][][] qDist;
        /** The assistant's logits behind each proposal (kept for the scoring pass; null when scoring is off). */
        final NDArray[][] qLogits;
        /** The softmax normalizers of those logits (greedy decoding computes them; null when sampling). */
        final float[][] qMax;
        final float[][] qLogSum;

        Draft(int b) {
            tokens = new int[b][];
            q = new double[b][];
            qDist = new double[b][][];
            qLogits = new NDArray[b][];
            qMax = new float[b][];
            qLogSum = new float[b][];
        }
    }

    private Draft propose(NDManager scope, List<RowState> rows, int[] k, KvCache draftCache) {
        int b = rows.size();
        Draft draft = new Draft(b);
        int[] n = new int[b];
        boolean[] stopped = new boolean[b];
        for (int r = 0; r < b; r++) {
            draft.tokens[r] = new int[k[r]];
            draft.q[r] = new double[k[r]];
            draft.qDist[r] = new double[k[r]][];
            draft.qLogits[r] = new NDArray[k[r]];
            if (sampler == null) {
                draft.qMax[r] = new float[k[r]];
                draft.qLogSum[r] = new float[k[r]];
            }
        }
        int vocab = assistant.config().vocabSize();
        while (true) {
            int[][] feed = new int[b][];
            boolean any = false;
            for (int r = 0; r < b; r++) {
                RowState row = rows.get(r);
                boolean wants = !row.done && !stopped[r] && n[r] < k[r];
                if (!wants) {
                    feed[r] = new int[0];
                } else if (n[r] == 0) {
                    feed[r] = row.tail(draftCache.length(r)); // last emitted token(s) not yet cached
                } else {
                    feed[r] = new int[] {draft.tokens[r][n[r] - 1]};
                }
                any |= wants;
            }
            if (!any) {
                break;
            }
            // The first step of a round may also produce the previous round's missing bonus-position
            // distribution (as a hidden state: the scorer applies the head to many at once).
            int[] extraSlot = new int[b];
            NDArray[] extra = new NDArray[b];
            for (int r = 0; r < b; r++) {
                extraSlot[r] = keep != null && n[r] == 0 && feed[r].length > 0
                        ? rows.get(r).pendingAssistantSlot(draftCache.length(r), feed[r].length) : -1;
            }
            try (NDManager step = scope.newSubManager()) {
                NDArray logits = assistant.lastLogits(step, feed, draftCache, extraSlot, extra); // (B, V)
                for (int r = 0; r < b; r++) {
                    if (extra[r] != null) {
                        NDArray kept = extra[r];
                        kept.attach(keep);
                        rows.get(r).fillPendingAssistantHidden(kept);
                    }
                }
                GreedyPick pick = sampler == null ? GreedyPick.of(logits) : null;
                float[] host = sampler == null ? null : logits.toFloatArray();
                for (int r = 0; r < b; r++) {
                    if (feed[r].length == 0) {
                        continue;
                    }
                    rows.get(r).draftPasses++;
                    int x;
                    if (sampler == null) {
                        x = pick.token()[r];
                        draft.q[r][n[r]] = Math.exp(pick.logProb()[r]);
                    } else {
                        double[] q = sampler.distribution(host, r * vocab, vocab);
                        x = Sampler.draw(q, rows.get(r).rng);
                        draft.q[r][n[r]] = q[x];
                        draft.qDist[r][n[r]] = q;
                    }
                    if (keep != null) {
                        NDArray kept = logits.get(r); // a view: no copy
                        kept.attach(keep);
                        draft.qLogits[r][n[r]] = kept;
                        if (pick != null) {
                            draft.qMax[r][n[r]] = pick.normalizer().max()[r];
                            draft.qLogSum[r][n[r]] = pick.normalizer().logSum()[r];
                        }
                    }
                    draft.tokens[r][n[r]++] = x;
                    if (RowState.isEos(x, eos) && cfg.stopAtEos()) {
                        stopped[r] = true;
                    }
                    // HF's ConfidenceCriteria (stopping_criteria.py, v4.45+): after appending a token, stop when the
                    // assistant's (processed) probability of it is below the threshold; the token stays in the draft.
                    if (draft.q[r][n[r] - 1] < rows.get(r).confidenceThreshold) {
                        stopped[r] = true;
                    }
                }
            }
        }
        for (int r = 0; r < b; r++) {
            if (n[r] < k[r]) { // stopped early at eos or below the confidence threshold
                draft.tokens[r] = Arrays.copyOf(draft.tokens[r], n[r]);
                draft.q[r] = Arrays.copyOf(draft.q[r], n[r]);
                draft.qDist[r] = Arrays.copyOf(draft.qDist[r], n[r]);
                draft.qLogits[r] = Arrays.copyOf(draft.qLogits[r], n[r]);
            }
        }
        return draft;
    }

    static int[] concat(int[] a, int[] b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
