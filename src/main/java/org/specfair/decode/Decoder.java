package org.specfair.decode;

import org.specfair.lm.CausalLM;

import ai.djl.ndarray.NDManager;

import java.util.ArrayList;
import java.util.List;

/**
 * Entry point of decoding: runs a batch of prompts in the configured mode, then (optionally) the
 * teacher-forced scoring pass, and returns one {@link Generation} trace per prompt, in order.
 * Results of a prompt do not depend on its batch mates (except where Hugging Face's state deliberately carries
 * from one prompt to the next: the {@code heuristic} schedule and the dynamic confidence threshold; those
 * decode one prompt at a time, in order).
 */
public final class Decoder {
    private final CausalLM main;
    private final CausalLM assistant;
    private final DecodeConfig cfg;
    /** Ids that end a row: any of the main model's eos ids (generation_config.json, else config.json). */
    private final int[] eos;
    private int carriedDraftLength;
    private double carriedThreshold;
    private SpeculativeDecoder.SamplingRule samplingRule = Verifier::sampling;
    private int scoringChunkRows; // 0: the scorer's default

    /** {@code assistant} may be null only in main-only mode without scoring. */
    public Decoder(CausalLM main, CausalLM assistant, DecodeConfig cfg) {
        this.main = main;
        this.assistant = assistant;
        this.cfg = cfg;
        this.eos = main.config().eosTokenIds();
        this.carriedDraftLength = cfg.numAssistantTokens();
        this.carriedThreshold = cfg.confidenceThreshold();
        if (assistant != null && assistant.config().vocabSize() != main.config().vocabSize()) {
            throw new IllegalArgumentException("main and assistant vocabularies differ: vocab_size "
                    + main.config().vocabSize() + " vs " + assistant.config().vocabSize());
        }
        if (assistant == null && cfg.mode() != Mode.MAIN_ONLY) {
            throw new IllegalArgumentException("mode " + cfg.mode().label() + " needs an assistant model");
        }
    }

    /** Tests only: replace the speculative-sampling acceptance rule. */
    Decoder withSamplingRule(SpeculativeDecoder.SamplingRule rule) {
        this.samplingRule = rule;
        return this;
    }

    /** Tests only: score in chunks of this many positions, and during decoding once this many are kept. */
    Decoder withScoringChunkRows(int rows) {
        this.scoringChunkRows = rows;
        return this;
    }

    public DecodeConfig config() {
        return cfg;
    }

    /** Why a prompt cannot be decoded (null when it can): empty, or too long for either context window. */
    public String validate(int[] promptIds) {
        if (promptIds.length == 0) {
            return "empty prompt";
        }
        int window = main.config().maxPositions();
        if (assistant != null) {
            window = Math.min(window, assistant.config().maxPositions());
        }
        if (promptIds.length + cfg.maxNewTokens() > window) {
            return "prompt of " + promptIds.length + " tokens + max_new_tokens " + cfg.maxNewTokens()
                    + " exceeds the context window of " + window;
        }
        for (int id : promptIds) {
            if (id < 0 || id >= main.config().vocabSize()) {
                return "token id " + id + " outside the vocabulary (size " + main.config().vocabSize() + ")";
            }
        }
        return null;
    }

    /** Decodes {@code requests} (all must pass {@link #validate}); {@code score} adds per-token divergences. */
    public List<Generation> generate(List<DecodeRequest> requests, boolean score) {
        for (DecodeRequest req : requests) {
            String error = validate(req.promptIds());
            if (error != null) {
                throw new IllegalArgumentException(error);
            }
        }
        if (cfg.carriesState() && requests.size() > 1) {
            List<Generation> out = new ArrayList<>();
            for (DecodeRequest req : requests) {
                out.addAll(generate(List.of(req), score));
            }
            return out;
        }
        List<RowState> rows = new ArrayList<>();
        for (DecodeRequest req : requests) {
            int start = cfg.schedule().carriesOver() ? carriedDraftLength : cfg.numAssistantTokens();
            rows.add(new RowState(req, start, cfg.dynamicThreshold() ? carriedThreshold : cfg.confidenceThreshold()));
        }
        boolean scoring = score && assistant != null;
        try (NDManager keep = main.manager().newSubManager()) {
            if (scoring && cfg.mode() != Mode.ASSISTANT_ONLY) {
                rows.forEach(r -> r.mainLogits = new ArrayList<>());
            }
            if (scoring && cfg.mode() != Mode.MAIN_ONLY) {
                rows.forEach(r -> r.assistantLogits = new ArrayList<>());
            }
            NDManager kept = scoring ? keep : null; // where logits kept for the scoring pass live
            boolean tokensAreMainArgmax = !cfg.sampling() && cfg.mode() != Mode.ASSISTANT_ONLY;
            DivergenceScorer scorer = !scoring ? null : scoringChunkRows > 0
                    ? new DivergenceScorer(main, assistant, cfg.scoreTemperature(), tokensAreMainArgmax, scoringChunkRows, scoringChunkRows)
                    : new DivergenceScorer(main, assistant, cfg.scoreTemperature(), tokensAreMainArgmax);
            long t0 = System.nanoTime();
            switch (cfg.mode()) {
                case SPECULATIVE -> new SpeculativeDecoder(main, assistant, cfg, eos, samplingRule, kept, scorer).run(rows);
                case MAIN_ONLY -> new SingleModelDecoder(main, cfg, eos, TokenSource.MAIN, kept).run(rows);
                case ASSISTANT_ONLY -> new SingleModelDecoder(assistant, cfg, eos, TokenSource.ASSISTANT, kept).run(rows);
            }
            long perRow = (System.nanoTime() - t0) / Math.max(1, rows.size());
            if (cfg.carriesState() && rows.size() == 1) {
                RowState row = rows.get(0);
                carriedDraftLength = row.draftLength;
                carriedThreshold = ConfidenceThreshold.next(row.rounds, row.drafts, row.confidenceThreshold);
            }
            List<List<TokenDivergence>> divergences = scoring ? scorer.finish(rows) : null;
            return traces(rows, perRow, divergences);
        }
    }

    private List<Generation> traces(List<RowState> rows, long perRow, List<List<TokenDivergence>> divergences) {
        List<Generation> out = new ArrayList<>();
        for (int r = 0; r < rows.size(); r++) {
            RowState row = rows.get(r);
            out.add(new Generation(row.prompt, row.completion(), row.finishReason, cfg.maxNewTokens(),
                    row.nMatches, row.proposed, row.accepted, row.mainPasses, row.draftPasses, perRow,
                    List.copyOf(row.rounds), List.copyOf(row.drafts),
                    divergences == null ? List.of() : divergences.get(r)));
        }
        return out;
    }
}
