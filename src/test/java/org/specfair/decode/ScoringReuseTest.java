package org.specfair.decode;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The scoring pass reuses logits that decoding computed (including the assistant's at bonus positions,
 * captured in the next round or by a side pass at the end). Its numbers must equal a purely
 * teacher-forced scoring of the same completions, and recording must never change what is decoded.
 */
class ScoringReuseTest extends GoldenPairTest {
    private static final double TOLERANCE = 2e-5;

    @Test
    void reusedLogitsScoreLikeTeacherForcing() {
        List<DecodeConfig> configs = List.of(
                DecodeConfig.greedy(23).withSchedule(Schedule.CONSTANT, 3),
                DecodeConfig.greedy(17).withSchedule(Schedule.HEURISTIC_TRANSIENT, 5),
                DecodeConfig.greedy(12).withSampling(1.0, 0, 1.0, 5),
                DecodeConfig.greedy(9).withMode(Mode.MAIN_ONLY),
                DecodeConfig.greedy(9).withMode(Mode.ASSISTANT_ONLY));
        int compared = 0;
        for (DecodeConfig cfg : configs) {
          // Default chunks (scored at the end: the golden pair's vocabulary is small) and chunks of
          // 3 positions, drained during decoding once 3 are kept (the memory budget of a big GPU batch).
          for (int chunkRows : new int[] {0, 3}) {
            List<DecodeRequest> prompts = SpeculativeEquivalenceTest.randomPrompts(5, 42);
            List<Generation> scored = new Decoder(main, draft, cfg).withScoringChunkRows(chunkRows).generate(prompts, true);
            List<List<TokenDivergence>> reference = teacherForced(prompts, scored, cfg.scoreTemperature());
            for (int i = 0; i < prompts.size(); i++) {
                List<TokenDivergence> got = scored.get(i).tokens();
                List<TokenDivergence> want = reference.get(i);
                assertEquals(want.size(), got.size());
                for (int j = 0; j < got.size(); j++) {
                    String label = cfg.mode() + " " + cfg.schedule() + " chunk " + chunkRows + " prompt " + i + " token " + j;
                    TokenDivergence a = got.get(j);
                    TokenDivergence b = want.get(j);
                    assertEquals(b.position(), a.position(), label);
                    assertEquals(b.p(), a.p(), TOLERANCE, label + " p");
                    assertEquals(b.q(), a.q(), TOLERANCE, label + " q");
                    assertEquals(b.klMainAssistant(), a.klMainAssistant(), TOLERANCE, label + " KL(P||Q)");
                    assertEquals(b.klAssistantMain(), a.klAssistantMain(), TOLERANCE, label + " KL(Q||P)");
                    assertEquals(b.js(), a.js(), TOLERANCE, label + " JS");
                    assertEquals(b.tv(), a.tv(), TOLERANCE, label + " TV");
                    assertEquals(b.entropyMain(), a.entropyMain(), TOLERANCE, label + " H(P)");
                    assertEquals(b.entropyAssistant(), a.entropyAssistant(), TOLERANCE, label + " H(Q)");
                    // The reference takes both argmaxes over the vocabulary; greedy decoding reads the main one off the token.
                    assertEquals(b.argmaxAgrees(), a.argmaxAgrees(), label + " argmax agreement");
                    compared++;
                }
            }
          }
        }
        assertEquals(true, compared > 400, "compared " + compared + " tokens");
    }

    @Test
    void recordingDoesNotChangeDecoding() {
        for (DecodeConfig cfg : List.of(DecodeConfig.greedy(30).withSchedule(Schedule.CONSTANT, 4),
                DecodeConfig.greedy(30).withSampling(0.8, 0, 1.0, 9))) {
            List<DecodeRequest> prompts = SpeculativeEquivalenceTest.randomPrompts(6, 5);
            List<Generation> plain = new Decoder(main, draft, cfg).generate(prompts, false);
            List<Generation> scored = new Decoder(main, draft, cfg).generate(prompts, true);
            for (int i = 0; i < prompts.size(); i++) {
                assertArrayEquals(plain.get(i).completionIds(), scored.get(i).completionIds(), "prompt " + i);
                assertEquals(trace(plain.get(i)), trace(scored.get(i)), "prompt " + i);
                assertEquals(plain.get(i).draftPasses(), scored.get(i).draftPasses(), "prompt " + i);
            }
        }
    }

    @Test
    void speculativeDecodingLeavesNoAssistantGaps() {
        // Constant draft length 3 with an agreeing pair: most rounds end on a bonus token.
        DecodeConfig cfg = DecodeConfig.greedy(20).withSchedule(Schedule.CONSTANT, 3);
        List<RowState> rows = new ArrayList<>();
        for (DecodeRequest req : SpeculativeEquivalenceTest.randomPrompts(6, 8)) {
            RowState row = new RowState(req, 3);
            row.mainLogits = new ArrayList<>();
            row.assistantLogits = new ArrayList<>();
            rows.add(row);
        }
        try (ai.djl.ndarray.NDManager keep = main.manager().newSubManager()) {
            new SpeculativeDecoder(main, draft, cfg, main.config().eosTokenIds(), Verifier::sampling, keep, null).run(rows);
            long bonuses = rows.stream().flatMap(r -> r.sources.stream()).filter(s -> s == TokenSource.BONUS).count();
            assertEquals(true, bonuses > 10, "bonus tokens: " + bonuses);
            for (RowState row : rows) {
                // Greedy decoding also leaves its softmax normalizers for the scoring pass to reuse:
                // the main model's everywhere, the assistant's wherever its logits (not a hidden state) are kept.
                for (int i = 0; i < row.emitted(); i++) {
                    assertEquals(true, row.mainNormalizers.known(i), "main normalizer at " + i);
                    assertEquals(!row.assistantHidden.get(i), row.assistantNormalizers.known(i), "assistant normalizer at " + i);
                }
                assertEquals(row.emitted(), row.assistantLogits.size());
                assertEquals(false, row.assistantLogits.contains(null), "a bonus position was not captured: " + java.util.stream.IntStream.range(0, row.emitted()).mapToObj(i -> (row.assistantLogits.get(i) == null ? "X" : "") + row.sources.get(i).name().charAt(0)).toList() + " rounds " + row.rounds.stream().map(r -> r.proposed().length + "/" + r.emitted().length).toList());
            }
        }
    }

    private static List<String> trace(Generation g) {
        return g.rounds().stream().map(r -> java.util.Arrays.toString(r.proposed()) + " " + r.nMatches() + " "
                + java.util.Arrays.toString(r.emitted())).toList();
    }

    /** Scores finished generations with nothing kept: both models teacher-forced over prompt + completion, both argmaxes computed. */
    private static List<List<TokenDivergence>> teacherForced(List<DecodeRequest> prompts, List<Generation> gens, double temperature) {
        List<RowState> rows = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
            RowState row = new RowState(prompts.get(i), 1);
            Generation g = gens.get(i);
            for (int j = 0; j < g.completionIds().length; j++) {
                row.emit(g.completionIds()[j], g.tokens().get(j).source(), new int[0], Integer.MAX_VALUE, false);
            }
            rows.add(row);
        }
        return new DivergenceScorer(main, draft, temperature, false).finish(rows);
    }
}
