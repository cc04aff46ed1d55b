package org.specfair.decode;

import org.specfair.lm.CausalLM;
import org.specfair.lm.KvCache;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import java.util.ArrayList;
import java.util.List;

/** Batched plain decoding with one model (main-only or assistant-only mode): one token per row per step. */
final class SingleModelDecoder {
    private final CausalLM model;
    private final DecodeConfig cfg;
    private final int[] eos;
    private final TokenSource source;
    private final Sampler sampler;
    private final NDManager keep;

    SingleModelDecoder(CausalLM model, DecodeConfig cfg, int[] eos, TokenSource source, NDManager keep) {
        this.keep = keep;
        this.model = model;
        this.cfg = cfg;
        this.eos = eos;
        this.source = source;
        this.sampler = cfg.sampling() ? new Sampler(cfg.temperature(), cfg.topK(), cfg.topP()) : null;
    }

    void run(List<RowState> all) {
        List<RowState> rows = new ArrayList<>(all);
        int vocab = model.config().vocabSize();
        KvCache cache = model.newCache(rows.size());
        try (NDManager scope = model.manager().newSubManager()) {
            // No separate prefill: the first pass feeds the whole prompt and gives the first token (as Hugging Face).
            while (!rows.isEmpty()) {
                int b = rows.size();
                int[][] feed = new int[b][];
                for (int r = 0; r < b; r++) {
                    RowState row = rows.get(r);
                    feed[r] = row.done ? new int[0] : row.tail(cache.length(r));
                }
                try (NDManager step = scope.newSubManager()) {
                    NDArray logits = model.lastLogits(step, feed, cache); // (B, V)
                    GreedyPick pick = sampler == null ? GreedyPick.of(logits) : null;
                    float[] host = sampler == null ? null : logits.toFloatArray();
                    for (int r = 0; r < b; r++) {
                        RowState row = rows.get(r);
                        if (row.done) {
                            continue;
                        }
                        if (source == TokenSource.MAIN) {
                            row.mainPasses++;
                        } else {
                            row.draftPasses++;
                        }
                        int x = sampler == null ? pick.token()[r] : Sampler.draw(sampler.distribution(host, r * vocab, vocab), row.rng);
                        row.emit(x, source, eos, cfg.maxNewTokens(), cfg.stopAtEos());
                        if (source == TokenSource.MAIN) {
                            row.keepMainLogits(logits, r, 1, keep, pick == null ? null : pick.normalizer().range(r, 1));
                        } else if (row.assistantLogits != null) {
                            NDArray kept = logits.get(r); // a view: no copy
                            kept.attach(keep);
                            if (pick != null) {
                                row.assistantNormalizers.set(row.assistantLogits.size(), pick.normalizer().max()[r], pick.normalizer().logSum()[r]);
                            }
                            row.assistantLogits.add(kept);
                        }
                    }
                }
                int[] live = RowState.unfinished(rows);
                if (RowState.worthDropping(rows.size(), live.length)) {
                    cache = cache.keepRows(live);
                    rows = RowState.select(rows, live);
                }
            }
        } finally {
            cache.close();
        }
    }
}
