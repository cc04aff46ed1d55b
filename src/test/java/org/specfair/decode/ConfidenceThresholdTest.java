package org.specfair.decode;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hugging Face's assistant confidence threshold (v4.45+) and its dynamic adjustment, against values worked out by
 * hand from transformers' candidate_generator.py / stopping_criteria.py and scikit-learn's roc_curve, and the
 * decoder's use of both on the golden pair.
 */
class ConfidenceThresholdTest extends GoldenPairTest {
    @Test
    void rocThresholdMinimisesFalsePositivesPlusThreeFalseNegatives() {
        // Sorted scores with outcomes 1 1 0 1 0 0 (3 positives, 3 negatives); cost fpr + 3 fnr per threshold:
        // inf 3, 0.9 2, 0.8 1, 0.7 4/3, 0.6 1/3, 0.5 2/3, 0.4 1 -> 0.6.
        assertEquals(0.6, ConfidenceThreshold.bestRocThreshold(new double[] {0.5, 0.9, 0.7, 0.6, 0.8, 0.4},
                new int[] {0, 1, 0, 1, 1, 0}), 0);
        // Ties form one threshold: scores 0.7 0.7 0.2 0.2 with outcomes 1 0 1 0: inf 3, 0.7 1/2 + 3/2 = 2, 0.2 1 + 0 = 1.
        assertEquals(0.2, ConfidenceThreshold.bestRocThreshold(new double[] {0.7, 0.7, 0.2, 0.2}, new int[] {1, 0, 1, 0}), 0);
        // A tie in cost goes to the higher threshold (numpy argmin takes the first): 1 0 1 0 at 0.9 0.8 0.7 0.6 with
        // 2/2: inf 3, 0.9 1.5, 0.8 2, 0.7 0.5, 0.6 1 -> 0.7.
        assertEquals(0.7, ConfidenceThreshold.bestRocThreshold(new double[] {0.9, 0.8, 0.7, 0.6}, new int[] {1, 0, 1, 0}), 0);
    }

    private static List<DraftToken> drafts(double[][] qPerRound) {
        List<DraftToken> out = new ArrayList<>();
        for (int r = 0; r < qPerRound.length; r++) {
            for (int i = 0; i < qPerRound[r].length; i++) {
                out.add(new DraftToken(r, i, 0, 0, qPerRound[r][i], false));
            }
        }
        return out;
    }

    private static List<Round> rounds(int... nMatches) {
        List<Round> out = new ArrayList<>();
        for (int n : nMatches) {
            out.add(new Round(new int[0], n, new int[0]));
        }
        return out;
    }

    @Test
    void nextThresholdFollowsHuggingFacesBookkeeping() {
        // Round 0: q .9 .8 .7, 2 matched -> probs .9 .8 .7, matches 1 1 0.
        // Round 1: q .6 .5, both matched -> matches 1 1 0 1 1.
        // Round 2: q .4 .3 .2, none matched -> matches + 0, probs cut to .9 .8 .7 .6 .5 .4 (6 > 5, both outcomes).
        // ROC over (.9,1) (.8,1) (.7,0) (.6,1) (.5,1) (.4,0), 4 positives 2 negatives:
        // inf 3, .9 2.25, .8 1.5, .7 2, .6 1.25, .5 0.5, .4 1 -> 0.5.
        double[][] q = {{0.9, 0.8, 0.7}, {0.6, 0.5}, {0.4, 0.3, 0.2}};
        assertEquals(0.5, ConfidenceThreshold.next(rounds(2, 2, 0), drafts(q), 0.4), 1e-12);
        // Only the first two rounds: 5 pairs are not enough (HF wants more than 5): the threshold stays.
        assertEquals(0.4, ConfidenceThreshold.next(rounds(2, 2), drafts(new double[][] {q[0], q[1]}), 0.4), 0);
        // All matched: no negative outcome, no ROC: the threshold stays.
        assertEquals(0.4, ConfidenceThreshold.next(rounds(3, 2, 3), drafts(q), 0.4), 0);
    }

    @Test
    void draftsStopAfterTheFirstTokenBelowTheThreshold() {
        double threshold = 0.6;
        DecodeConfig cfg = DecodeConfig.greedy(24).withSchedule(Schedule.CONSTANT, 6).withConfidenceThreshold(threshold, false);
        List<DecodeRequest> prompts = SpeculativeEquivalenceTest.randomPrompts(8, 5);
        List<Generation> gens = new Decoder(main, draft, cfg).generate(prompts, false);
        List<Generation> plain = new Decoder(main, draft, cfg.withMode(Mode.MAIN_ONLY)).generate(prompts, false);
        int cut = 0;
        for (int i = 0; i < gens.size(); i++) {
            Generation g = gens.get(i);
            assertArrayEquals(plain.get(i).completionIds(), g.completionIds(), "the threshold must not change greedy output");
            int d = 0;
            for (int r = 0; r < g.rounds().size(); r++) {
                int n = g.rounds().get(r).proposed().length;
                int tokensLeft = 24 - g.rounds().subList(0, r).stream().mapToInt(x -> x.emitted().length).sum();
                for (int j = 0; j < n; j++) {
                    double q = g.drafts().get(d + j).q();
                    if (j < n - 1) {
                        assertTrue(q >= threshold, "a draft went on past a token below the threshold: q = " + q);
                    }
                }
                if (n > 0 && n < Math.min(6, tokensLeft - 1)) { // cut short: by the threshold, the last token is below it
                    assertTrue(g.drafts().get(d + n - 1).q() < threshold);
                    cut++;
                }
                d += n;
            }
        }
        assertTrue(cut > 0, "no draft was cut by the threshold: the check above never ran");
        SpeculativeEquivalenceTest.assertBatchInvariant(main, draft, cfg, prompts);
    }

    @Test
    void dynamicThresholdCarriesToTheNextPromptOnly() {
        DecodeConfig fixed = DecodeConfig.greedy(24).withSchedule(Schedule.CONSTANT, 6).withConfidenceThreshold(0.4, false);
        List<DecodeRequest> prompts = SpeculativeEquivalenceTest.randomPrompts(3, 21);
        List<Generation> dynamic = new Decoder(main, draft, fixed.withConfidenceThreshold(0.4, true)).generate(prompts, false);
        double threshold = 0.4;
        for (int i = 0; i < prompts.size(); i++) {
            // Each prompt decodes as with a fixed threshold equal to what the previous prompts left behind.
            Generation want = new Decoder(main, draft, fixed.withConfidenceThreshold(threshold, false))
                    .generate(List.of(prompts.get(i)), false).get(0);
            assertEquals(want.drafts().size(), dynamic.get(i).drafts().size(), "prompt " + i);
            assertArrayEquals(want.completionIds(), dynamic.get(i).completionIds());
            threshold = ConfidenceThreshold.next(want.rounds(), want.drafts(), threshold);
            if (i == 0) {
                assertTrue(threshold != 0.4, "the first prompt did not move the threshold: the carry was not exercised");
            }
        }
    }

    @Test
    void heuristicCarriesTheDraftLengthHeuristicTransientResetsIt() {
        List<DecodeRequest> prompts = SpeculativeEquivalenceTest.randomPrompts(3, 8);
        DecodeConfig transientCfg = DecodeConfig.greedy(20).withSchedule(Schedule.HEURISTIC_TRANSIENT, 5);
        List<Generation> carried = new Decoder(main, draft, transientCfg.withSchedule(Schedule.HEURISTIC, 5)).generate(prompts, false);
        int k = 5;
        for (int i = 0; i < prompts.size(); i++) {
            Generation want = new Decoder(main, draft, transientCfg.withSchedule(Schedule.HEURISTIC_TRANSIENT, k))
                    .generate(List.of(prompts.get(i)), false).get(0);
            assertEquals(want.rounds().size(), carried.get(i).rounds().size(), "prompt " + i);
            for (int r = 0; r < want.rounds().size(); r++) {
                assertArrayEquals(want.rounds().get(r).proposed(), carried.get(i).rounds().get(r).proposed());
            }
            for (Round r : want.rounds()) {
                k = Schedule.HEURISTIC.next(k, r.nMatches());
            }
        }
        assertTrue(k != 5 || prompts.isEmpty(), "the draft length never moved: the carry-over was not exercised");
    }

    @Test
    void scheduleNamesAndNotices() {
        assertEquals(Schedule.HEURISTIC, Schedule.parse("heuristic"));
        assertEquals(Schedule.HEURISTIC, Schedule.parse("carry-over"));
        assertEquals(Schedule.HEURISTIC_TRANSIENT, Schedule.parse("heuristic_transient"));
        assertEquals("heuristic_transient", Schedule.HEURISTIC_TRANSIENT.label());
        assertTrue(Schedule.notice("heuristic").contains("heuristic_transient"));
        assertTrue(Schedule.notice("carry-over").contains("'heuristic'"));
        assertEquals(null, Schedule.notice("constant"));
        assertEquals(null, Schedule.notice("heuristic_transient"));
        assertEquals(Schedule.HEURISTIC_TRANSIENT, DecodeConfig.greedy(5).schedule(), "the default stays reset-per-prompt");
        DecodeConfig hf45 = DecodeConfig.greedy(5).withHfDefaults("4.45");
        assertEquals(20, hf45.numAssistantTokens());
        assertEquals(0.4, hf45.confidenceThreshold());
        assertEquals(Schedule.CONSTANT, hf45.schedule());
    }
}
