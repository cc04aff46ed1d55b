package org.specfair.cli;

import org.specfair.lm.Golden;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The relied-on output forms of `specfair logits` and `specfair generate --json`, and one-line errors. */
class CliTest {
    record Result(int code, String out, String err) {}

    static synchronized Result run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = SpecFair.run(args);
            return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @Test
    void logitsPrintsOneRowPerPosition() throws Exception {
        Result r = run("logits", "--model", Golden.dir("gpt2-tiny").toString(), "--ids", "1,2,3");
        assertEquals(0, r.code(), r.err());
        JsonNode logits = new ObjectMapper().readTree(r.out()).get("logits");
        JsonNode want = Golden.expected().get("models").get("gpt2-tiny").get(0).get("logits");
        assertEquals(3, logits.size());
        for (int t = 0; t < 3; t++) {
            assertEquals(64, logits.get(t).size());
            for (int j = 0; j < 64; j++) {
                assertEquals(want.get(t).get(j).asDouble(), logits.get(t).get(j).asDouble(), 2e-3);
            }
        }
    }

    @Test
    void generatePrintsTheTraceAsOneJsonObject() throws Exception {
        Result r = run("generate", "--main", Golden.dir("neo-main-tiny").toString(), "--assistant",
                Golden.dir("neo-draft-tiny").toString(), "--ids", "1,2,3", "--max-new-tokens", "10",
                "--mode", "speculative", "--temperature", "0", "--num-assistant-tokens", "5", "--schedule", "heuristic", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode g = new ObjectMapper().readTree(r.out());
        JsonNode want = Golden.expected().get("assisted_greedy").get(0);
        assertEquals(want.get("completion"), g.get("completion_ids"));
        assertEquals(want.get("n_matches").asInt(), g.get("n_matches").asInt());
        assertEquals(want.get("ratio").asDouble(), g.get("ratio").asDouble(), 1e-12);
        assertEquals(want.get("rounds").size(), g.get("rounds").size());
        assertEquals(want.get("rounds").get(0).get("proposed"), g.get("rounds").get(0).get("proposed"));
        assertEquals(want.get("rounds").get(0).get("emitted"), g.get("rounds").get(0).get("emitted"));
        JsonNode tok = g.get("tokens").get(0);
        assertEquals(3, tok.get("position").asInt());
        for (String key : new String[] {"token", "p", "q", "kl_main_assistant", "kl_assistant_main", "js", "tv", "alpha"}) {
            assertTrue(tok.has(key), "tokens[0] lacks " + key);
        }
        JsonNode div = Golden.expected().get("divergence").get(0).get("per_token").get(0);
        assertEquals(div.get("kl_main_draft").asDouble(), tok.get("kl_main_assistant").asDouble(), 1e-4);
    }

    @Test
    void userErrorsAreOneLine() {
        Result r = run("generate", "--main", Golden.dir("neo-main-tiny").toString(), "--mode", "main-only", "--ids", "1,2,3", "--max-new-tokens", "100");
        assertEquals(2, r.code());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("context window"), r.err());
        Result missing = run("logits", "--model", "/no/such/folder", "--ids", "1");
        assertEquals(2, missing.code());
        assertTrue(missing.err().strip().startsWith("specfair logits: /no/such/folder"), missing.err());
    }
}
