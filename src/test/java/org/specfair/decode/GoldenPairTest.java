package org.specfair.decode;

import org.specfair.lm.CausalLM;
import org.specfair.lm.Golden;
import org.specfair.lm.Models;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** Base of the decoder tests that run on the golden GPT-Neo pair (main neo-main-tiny, assistant neo-draft-tiny). */
abstract class GoldenPairTest {
    static CausalLM main;
    static CausalLM draft;

    @BeforeAll
    static void loadPair() {
        main = Models.load(Golden.dir("neo-main-tiny"), "cpu", "float32");
        draft = Models.load(Golden.dir("neo-draft-tiny"), "cpu", "float32");
    }

    @AfterAll
    static void closePair() {
        main.close();
        draft.close();
    }
}
