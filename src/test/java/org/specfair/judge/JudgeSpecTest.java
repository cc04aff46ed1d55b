package org.specfair.judge;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JudgeSpecTest {
    @Test
    void parsesTheContractExamples() {
        JudgeSpec tulu = JudgeSpec.parse("tulu=llm:model=/models/tulu-7b,format=tulu,variant=code,include_prompt=true,max_answer_tokens=48");
        assertEquals("tulu", tulu.name());
        assertEquals(JudgeSpec.LLM, tulu.kind());
        assertEquals("/models/tulu-7b", tulu.require("model"));
        assertEquals(48, tulu.getInt("max_answer_tokens", 0));
        assertTrue(tulu.getBoolean("include_prompt", false));
        assertEquals("tulu=llm:model=/models/tulu-7b,format=tulu,variant=code,include_prompt=true,max_answer_tokens=48", tulu.toString());
        assertEquals(Map.of("model", "DIR", "version", "3"), JudgeSpec.parse("guard=llama-guard:model=DIR,version=3").options());
        assertEquals("data/lexicon/demo_lexicon.tsv", JudgeSpec.parse("lex=honest:lexicon=data/lexicon/demo_lexicon.tsv").require("lexicon"));
        assertEquals(JudgeSpec.CLASSIFIER, JudgeSpec.parse("clf=classifier:model=DIR").kind());
    }

    @Test
    void oneLineErrors() {
        assertMessage("judge x: unknown kind 'gpt'", "x=gpt:model=m");
        assertMessage("expected NAME=KIND", "tulu");
        assertMessage("judge t: unknown option 'formt' for kind llm", "t=llm:model=m,formt=tulu");
        assertMessage("judge t: missing option model=", "t=llm:format=tulu");
        assertMessage("judge lex: missing option lexicon=", "lex=honest");
        assertMessage("judge name 'a/b'", "a/b=honest:lexicon=x");
        assertMessage("is not an integer", "t=llm:model=m,max_answer_tokens=many", s -> s.getInt("max_answer_tokens", 1));
    }

    private static void assertMessage(String expected, String spec) {
        assertMessage(expected, spec, s -> 0);
    }

    private static void assertMessage(String expected, String spec, java.util.function.ToIntFunction<JudgeSpec> use) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> use.applyAsInt(JudgeSpec.parse(spec)));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"));
    }
}
