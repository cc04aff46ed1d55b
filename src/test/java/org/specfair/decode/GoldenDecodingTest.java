package org.specfair.decode;

import org.specfair.lm.Golden;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Golden assisted_greedy traces and divergence values from the independent reference implementation. */
class GoldenDecodingTest extends GoldenPairTest {
    /**
     * Each golden case is one {@code generate()} call with fresh state, so HF's "heuristic" there is what
     * "heuristic_transient" does for every prompt (the carried variant would chain the cases together).
     */
    static DecodeConfig configOf(JsonNode c) {
        Schedule schedule = Schedule.parse(c.get("schedule").asText());
        return DecodeConfig.greedy(c.get("max_new_tokens").asInt())
                .withSchedule(schedule == Schedule.HEURISTIC ? Schedule.HEURISTIC_TRANSIENT : schedule,
                        c.get("num_assistant_tokens").asInt());
    }

    static void assertMatchesGolden(JsonNode c, Generation g) {
        String label = c.get("input_ids") + " max " + c.get("max_new_tokens") + " " + c.get("schedule") + " " + c.get("num_assistant_tokens");
        assertArrayEquals(Golden.ints(c.get("completion")), g.completionIds(), label);
        assertEquals(c.get("n_matches").asInt(), g.nMatches(), label);
        assertEquals(c.get("ratio").asDouble(), g.ratio(), 1e-12, label);
        assertEquals(c.get("main_forward_passes").asInt(), g.rounds().size(), label);
        assertEquals(c.get("main_forward_passes").asInt(), g.mainPasses(), label);
        for (int i = 0; i < g.rounds().size(); i++) {
            JsonNode want = c.get("rounds").get(i);
            Round got = g.rounds().get(i);
            assertArrayEquals(Golden.ints(want.get("proposed")), got.proposed(), label + " round " + i);
            assertEquals(want.get("n_matches").asInt(), got.nMatches(), label + " round " + i);
            assertArrayEquals(Golden.ints(want.get("emitted")), got.emitted(), label + " round " + i);
        }
    }

    @Test
    void assistedGreedyOneAtATime() {
        for (JsonNode c : Golden.expected().get("assisted_greedy")) {
            Decoder d = new Decoder(main, draft, configOf(c));
            Generation g = d.generate(List.of(new DecodeRequest(Golden.ints(c.get("input_ids")), 0)), false).get(0);
            assertMatchesGolden(c, g);
        }
    }

    @Test
    void assistedGreedyBatched() {
        // All cases sharing a config decode together: same traces as alone.
        List<JsonNode> cases = new ArrayList<>();
        Golden.expected().get("assisted_greedy").forEach(cases::add);
        for (JsonNode first : cases) {
            List<JsonNode> same = cases.stream().filter(c -> configOf(c).equals(configOf(first))).toList();
            Decoder d = new Decoder(main, draft, configOf(first));
            List<DecodeRequest> reqs = same.stream().map(c -> new DecodeRequest(Golden.ints(c.get("input_ids")), 0)).toList();
            List<Generation> gens = d.generate(reqs, false);
            for (int i = 0; i < same.size(); i++) {
                assertMatchesGolden(same.get(i), gens.get(i));
            }
        }
    }

    @Test
    void divergenceMatchesGolden() {
        List<JsonNode> cases = new ArrayList<>();
        Golden.expected().get("divergence").forEach(cases::add);
        int maxNew = cases.stream().mapToInt(c -> c.get("completion").size()).max().orElseThrow();
        Decoder d = new Decoder(main, draft, DecodeConfig.greedy(maxNew));
        List<DecodeRequest> reqs = cases.stream().map(c -> new DecodeRequest(Golden.ints(c.get("input_ids")), 0)).toList();
        List<Generation> gens = d.generate(reqs, true);
        for (int i = 0; i < cases.size(); i++) {
            JsonNode c = cases.get(i);
            Generation g = gens.get(i);
            int[] want = Golden.ints(c.get("completion"));
            assertArrayEquals(want, Arrays.copyOf(g.completionIds(), want.length), "completion " + c.get("input_ids"));
            for (int j = 0; j < want.length; j++) {
                JsonNode w = c.get("per_token").get(j);
                TokenDivergence t = g.tokens().get(j);
                String label = c.get("input_ids") + " position " + w.get("position");
                assertEquals(w.get("position").asInt(), t.position(), label);
                assertEquals(w.get("token").asInt(), t.tokenId(), label);
                assertEquals(w.get("p").asDouble(), t.p(), 1e-4, label + " p");
                assertEquals(w.get("q").asDouble(), t.q(), 1e-4, label + " q");
                assertEquals(w.get("kl_main_draft").asDouble(), t.klMainAssistant(), 1e-4, label + " kl(P||Q)");
                assertEquals(w.get("kl_draft_main").asDouble(), t.klAssistantMain(), 1e-4, label + " kl(Q||P)");
                assertEquals(w.get("js").asDouble(), t.js(), 1e-4, label + " js");
                assertEquals(w.get("tv").asDouble(), t.tv(), 1e-4, label + " tv");
                assertEquals(1 - w.get("tv").asDouble(), t.alpha(), 1e-4, label + " alpha");
                assertEquals(w.get("draft_argmax_agrees").asBoolean(), t.argmaxAgrees(), label + " argmax");
            }
        }
    }
}
