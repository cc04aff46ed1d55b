package org.specfair.lm;

import org.specfair.lm.nn.RowBlock;

import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The CPU row path ({@link RowBlock}: GPT-2 and GPT-Neo blocks in Java) against the architectures' torch ops, and the
 * property speculative decoding leans on: a row's logits are the same bits whatever its batch mates and however many
 * tokens a pass feeds (a verify pass of k + 1 tokens and k + 1 single steps agree exactly). Models: the golden tiny
 * GPT-2 and GPT-Neo, and a random GPT-Neo whose local window (3) is shorter than the sequences.
 */
class RowPathTest {
    static final double TOL = 1e-4;

    @AfterEach
    void rowPathBackOn() {
        RowBlock.use(true);
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2-tiny", "neo-main-tiny", "neo-random"})
    void rowPathAgreesWithTheTorchOps(String name) {
        CausalLM m = KvCacheTest.model(name);
        SplittableRandom rnd = new SplittableRandom(5);
        int[][] prompts = KvCacheTest.raggedPrompts(rnd, 3, 4, 9);
        int[][] step = {KvCacheTest.randomIds(rnd, 3), KvCacheTest.randomIds(rnd, 1), KvCacheTest.randomIds(rnd, 2)};
        long before = RowBlock.passes();
        float[][] rowPath = prefillThenStep(m, prompts, step);
        assertEquals(before + 2, RowBlock.passes(), "both passes took the row path");
        RowBlock.use(false);
        float[][] torch = prefillThenStep(m, prompts, step);
        assertEquals(before + 2, RowBlock.passes(), "the switch sends passes to the torch ops");
        int[][][] fed = {prompts, step};
        for (int i = 0; i < torch.length; i++) {
            int width = Arrays.stream(fed[i]).mapToInt(t -> t.length).max().orElseThrow();
            float[][][] want = KvCacheTest.rowLogits(torch[i], fed[i].length, width);
            float[][][] got = KvCacheTest.rowLogits(rowPath[i], fed[i].length, width);
            double worst = 0;
            for (int r = 0; r < fed[i].length; r++) {
                for (int j = 0; j < fed[i][r].length; j++) { // padding slots are meaningless (the row path leaves zeros)
                    for (int v = 0; v < want[r][j].length; v++) {
                        worst = Math.max(worst, Math.abs(want[r][j][v] - got[r][j][v]));
                    }
                }
            }
            assertTrue(worst < TOL, name + " pass " + i + ": max |row path - torch| " + worst);
        }
    }

    /** Logits of a ragged prefill and of a second ragged pass on the same cache, flat. */
    private static float[][] prefillThenStep(CausalLM m, int[][] prompts, int[][] step) {
        try (NDManager scope = m.manager().newSubManager(); KvCache cache = m.newCache(prompts.length)) {
            float[] first = m.logits(scope, prompts, cache).toFloatArray();
            cache.truncate(1, cache.length(1) - 2); // a dead slot in the middle of row 1, as after a rejected draft
            return new float[][] {first, m.logits(scope, step, cache).toFloatArray()};
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2-tiny", "neo-main-tiny", "neo-random"})
    void aRowsLogitsAreTheSameBitsWhateverItsBatchMatesAndPassWidths(String name) {
        CausalLM m = KvCacheTest.model(name);
        SplittableRandom rnd = new SplittableRandom(8);
        int[] seq = KvCacheTest.randomIds(rnd, 14);
        int prompt = 5;
        float[][] oneByOne = new float[seq.length][];
        float[][] inBatch = new float[seq.length][];
        try (NDManager scope = m.manager().newSubManager(); KvCache cache = m.newCache(1)) {
            m.prefill(scope, new int[][] {Arrays.copyOf(seq, prompt)}, cache);
            for (int p = prompt; p < seq.length; p++) {
                oneByOne[p] = m.logits(scope, new int[][] {{seq[p]}}, cache).toFloatArray();
            }
        }
        // The same row as row 1 of three, fed 4 tokens then 3 then 2 per pass (a verify pass's shape), its mates other lengths.
        try (NDManager scope = m.manager().newSubManager(); KvCache cache = m.newCache(3)) {
            m.prefill(scope, new int[][] {KvCacheTest.randomIds(rnd, 9), Arrays.copyOf(seq, prompt), KvCacheTest.randomIds(rnd, 2)}, cache);
            int p = prompt;
            for (int width : new int[] {4, 3, 2}) {
                int[] mine = Arrays.copyOfRange(seq, p, p + width);
                int[][] tokens = {KvCacheTest.randomIds(rnd, 1), mine, KvCacheTest.randomIds(rnd, 5)};
                float[][][] rows = KvCacheTest.rowLogits(m.logits(scope, tokens, cache).toFloatArray(), 3, 5);
                for (int j = 0; j < width; j++) {
                    inBatch[p + j] = rows[1][j];
                }
                p += width;
            }
        }
        for (int p = prompt; p < seq.length; p++) {
            assertArrayEquals(oneByOne[p], inBatch[p], name + ": position " + p + " fed alone one by one vs in a batch, several per pass");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2-tiny", "neo-random"})
    void aPassOfManyRowsTakesTheRowPathAndGivesEachRowItsOwnNumbers(String name) {
        CausalLM m = KvCacheTest.model(name);
        SplittableRandom rnd = new SplittableRandom(3);
        int[][] prompts = new int[24][];
        for (int r = 0; r < prompts.length; r++) {
            prompts[r] = KvCacheTest.randomIds(rnd, 12); // 288 rows in one pass: beyond round 3's 256-row limit
        }
        long before = RowBlock.passes();
        float[][][] all;
        try (NDManager scope = m.manager().newSubManager()) {
            all = KvCacheTest.rowLogits(m.logits(scope, prompts, null).toFloatArray(), prompts.length, 12);
        }
        assertEquals(before + 1, RowBlock.passes());
        for (int r : new int[] {0, 17}) {
            float[][] alone = KvCacheTest.alone(m, prompts[r]);
            for (int j = 0; j < 12; j++) {
                assertArrayEquals(alone[j], all[r][j], name + ": row " + r + " slot " + j + " alone vs among 24 rows");
            }
        }
    }
}
