package org.specfair.decode;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Greedy speculative decoding is main-only greedy decoding; batching never changes a prompt's result. */
class SpeculativeEquivalenceTest extends GoldenPairTest {
    static List<DecodeRequest> randomPrompts(int n, long seed) {
        Random rnd = new Random(seed);
        List<DecodeRequest> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int[] ids = new int[1 + rnd.nextInt(12)];
            for (int j = 0; j < ids.length; j++) {
                ids[j] = rnd.nextInt(63); // not eos
            }
            out.add(new DecodeRequest(ids, Seeds.forPrompt(seed, "p" + i, 0)));
        }
        return out;
    }

    @Test
    void greedySpeculativeEqualsGreedyMainOnly() {
        Random rnd = new Random(7);
        int checked = 0;
        for (Schedule schedule : Schedule.values()) {
            for (int maxNew : new int[] {1, 2, 7, 19, 40}) {
                DecodeConfig cfg = DecodeConfig.greedy(maxNew).withSchedule(schedule, 1 + rnd.nextInt(6));
                List<DecodeRequest> prompts = randomPrompts(6, rnd.nextLong());
                List<Generation> spec = new Decoder(main, draft, cfg).generate(prompts, false);
                List<Generation> plain = new Decoder(main, draft, cfg.withMode(Mode.MAIN_ONLY)).generate(prompts, false);
                for (int i = 0; i < prompts.size(); i++) {
                    assertArrayEquals(plain.get(i).completionIds(), spec.get(i).completionIds(), cfg + " prompt " + i);
                    Generation g = spec.get(i);
                    assertEquals(g.completionIds().length, g.rounds().stream().mapToInt(r -> r.emitted().length).sum());
                    assertTrue(g.nMatches() <= g.accepted() && g.accepted() <= g.proposed());
                    assertTrue(g.rounds().stream().allMatch(r -> r.proposed().length <= maxNew - 1));
                    checked++;
                }
            }
        }
        assertEquals(3 * 5 * 6, checked);
    }

    @Test
    void batchingGivesIdenticalTracesGreedy() {
        assertBatchInvariant(DecodeConfig.greedy(24));
    }

    @Test
    void batchingGivesIdenticalTracesSampling() {
        assertBatchInvariant(DecodeConfig.greedy(24).withSampling(1.0, 0, 1.0, 11));
        assertBatchInvariant(DecodeConfig.greedy(24).withSampling(0.7, 20, 0.9, 12));
    }

    @Test
    void batchingGivesIdenticalTracesSingleModelModes() {
        assertBatchInvariant(DecodeConfig.greedy(16).withMode(Mode.MAIN_ONLY));
        assertBatchInvariant(DecodeConfig.greedy(16).withMode(Mode.ASSISTANT_ONLY).withSampling(1.0, 0, 1.0, 3));
    }

    private static void assertBatchInvariant(DecodeConfig cfg) {
        assertBatchInvariant(main, draft, cfg, randomPrompts(8, 99));
    }

    /** Each prompt alone, then in batches of 3 and 8: identical traces (probabilities within 1e-4). */
    static void assertBatchInvariant(org.specfair.lm.CausalLM main, org.specfair.lm.CausalLM draft, DecodeConfig cfg,
                                     List<DecodeRequest> prompts) {
        Decoder d = new Decoder(main, draft, cfg);
        List<Generation> alone = new ArrayList<>();
        for (DecodeRequest p : prompts) {
            alone.add(d.generate(List.of(p), true).get(0));
        }
        for (int batch : new int[] {3, 8}) {
            List<Generation> batched = new ArrayList<>();
            for (int from = 0; from < prompts.size(); from += batch) {
                batched.addAll(d.generate(prompts.subList(from, Math.min(prompts.size(), from + batch)), true));
            }
            for (int i = 0; i < prompts.size(); i++) {
                Generation a = alone.get(i);
                Generation b = batched.get(i);
                String label = cfg.mode() + " T=" + cfg.temperature() + " batch " + batch + " prompt " + i;
                assertArrayEquals(a.completionIds(), b.completionIds(), label);
                assertEquals(a.nMatches(), b.nMatches(), label);
                assertEquals(a.rounds().size(), b.rounds().size(), label);
                for (int r = 0; r < a.rounds().size(); r++) {
                    assertArrayEquals(a.rounds().get(r).proposed(), b.rounds().get(r).proposed(), label);
                    assertArrayEquals(a.rounds().get(r).emitted(), b.rounds().get(r).emitted(), label);
                }
                assertEquals(a.drafts().size(), b.drafts().size(), label);
                for (int j = 0; j < a.drafts().size(); j++) {
                    assertEquals(a.drafts().get(j).p(), b.drafts().get(j).p(), 1e-4, label);
                    assertEquals(a.drafts().get(j).q(), b.drafts().get(j).q(), 1e-4, label);
                    assertEquals(a.drafts().get(j).accepted(), b.drafts().get(j).accepted(), label);
                }
                for (int j = 0; j < a.tokens().size(); j++) {
                    assertEquals(a.tokens().get(j).klMainAssistant(), b.tokens().get(j).klMainAssistant(), 1e-4, label);
                    assertEquals(a.tokens().get(j).p(), b.tokens().get(j).p(), 1e-4, label);
                }
            }
        }
    }
}
