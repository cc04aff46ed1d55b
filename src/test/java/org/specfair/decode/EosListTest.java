package org.specfair.decode;

import org.specfair.lm.CausalLM;
import org.specfair.lm.Models;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A model with several eos ids (Llama 3 style) stops on any of them, in every mode, and rounds that end in an
 * eos are counted as Hugging Face counts them, batched or alone, greedy or sampling.
 */
class EosListTest {
    static final int V = 16;
    static CausalLM draft;

    @BeforeAll
    static void load() {
        draft = Models.random(TinyPair.neo(V, 1, -1), 2, 0.5, "cpu", "float32");
    }

    @AfterAll
    static void close() {
        draft.close();
    }

    /** The seeded main model (same weights every time) with the given eos ids. */
    static CausalLM main(int... eos) {
        return Models.random(TinyPair.neo(V, 2, -1).withEosTokenIds(eos), 1, 0.5, "cpu", "float32");
    }

    static List<DecodeRequest> prompts(int n, long seed) {
        Random rnd = new Random(seed);
        List<DecodeRequest> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int[] ids = new int[1 + rnd.nextInt(6)];
            for (int j = 0; j < ids.length; j++) {
                ids[j] = rnd.nextInt(V);
            }
            out.add(new DecodeRequest(ids, Seeds.forPrompt(5, "p" + i, 0)));
        }
        return out;
    }

    static int firstIndex(int[] ids, int token) {
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] == token) {
                return i;
            }
        }
        return -1;
    }

    @Test
    void eitherOfTwoEosIdsStopsARow() {
        DecodeRequest prompt = prompts(1, 3).get(0);
        int[] free;
        try (CausalLM noEos = main()) {
            free = new Decoder(noEos, draft, DecodeConfig.greedy(40).withMode(Mode.MAIN_ONLY)).generate(List.of(prompt), false)
                    .get(0).completionIds();
        }
        // Two tokens of the free-running completion, x first seen before y, and a token it never emits.
        int[] distinct = Arrays.stream(free).distinct().toArray();
        assertTrue(distinct.length >= 3, "the test needs a completion with 3 distinct tokens: " + Arrays.toString(free));
        int x = distinct[1];
        int y = distinct[2];
        int never = java.util.stream.IntStream.range(0, V).filter(t -> firstIndex(free, t) < 0).findFirst().orElseThrow();
        for (Mode mode : new Mode[] {Mode.MAIN_ONLY, Mode.SPECULATIVE}) {
            for (int[] eos : new int[][] {{y, x}, {x, y}, {never, y}}) {
                int stop = Math.min(firstIndex(free, eos[0]) < 0 ? 99 : firstIndex(free, eos[0]), firstIndex(free, eos[1]));
                try (CausalLM m = main(eos)) {
                    Generation g = new Decoder(m, draft, DecodeConfig.greedy(40).withMode(mode)).generate(List.of(prompt), false).get(0);
                    String label = mode + " eos " + Arrays.toString(eos);
                    assertArrayEquals(Arrays.copyOf(free, stop + 1), g.completionIds(), label);
                    assertEquals("eos", g.finishReason(), label);
                }
            }
        }
    }

    @Test
    void roundsEndingInEitherEosAreCountedAsHuggingFaceDoes() {
        int rounds = 0;
        // The main model's own weights as the assistant: drafts are accepted, so drafts ending in eos are too.
        try (CausalLM m = main(3, 7); CausalLM twin = main()) {
            for (DecodeConfig cfg : List.of(DecodeConfig.greedy(30).withSchedule(Schedule.CONSTANT, 4),
                    DecodeConfig.greedy(30).withSchedule(Schedule.CONSTANT, 4).withSampling(0.9, 0, 1.0, 8))) {
                List<DecodeRequest> ps = prompts(24, 11);
                SpeculativeEquivalenceTest.assertBatchInvariant(m, draft, cfg, ps);
                for (Generation g : new Decoder(m, twin, cfg).generate(ps, false)) {
                    int[] c = g.completionIds();
                    for (int i = 0; i < c.length - 1; i++) {
                        assertTrue(c[i] != 3 && c[i] != 7, "eos inside a completion: " + Arrays.toString(c));
                    }
                    assertEquals(c.length > 0 && (c[c.length - 1] == 3 || c[c.length - 1] == 7) ? "eos" : "length", g.finishReason());
                    for (Round r : g.rounds()) {
                        int[] d = r.proposed();
                        boolean endsInEos = d.length > 0 && (d[d.length - 1] == 3 || d[d.length - 1] == 7);
                        if (endsInEos && Arrays.equals(d, r.emitted())) { // the whole draft accepted, eos last
                            assertEquals(d.length - 1, r.nMatches(), "an accepted final eos counts as the main model's");
                            rounds++;
                        }
                    }
                }
            }
        }
        assertTrue(rounds > 0, "no round ended in an accepted eos: the check above never ran");
    }
}
