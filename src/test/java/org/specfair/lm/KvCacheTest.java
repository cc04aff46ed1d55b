package org.specfair.lm;

import org.specfair.checkpoint.ModelConfig;

import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The KV cache and ragged batches against the plain truth: full recomputation of each sequence
 * alone, without a cache. Runs on the golden tiny checkpoints and on two random models built
 * directly from a config: a GPT-Neo whose local window (3) is shorter than the sequences, and a
 * LLaMA with grouped-query attention (6 query heads over 2 key/value heads).
 */
class KvCacheTest {
    static final double TOL = 1e-4;
    static final int VOCAB = 64;
    static final String[] ALL = {"gpt2-tiny", "neo-main-tiny", "llama-tiny", "neo-random", "llama-gqa-random"};

    private static final Map<String, CausalLM> MODELS = new HashMap<>();

    static synchronized CausalLM model(String name) {
        return MODELS.computeIfAbsent(name, n -> switch (n) {
            // std 0.3 rather than 0.02: logits then depend strongly on every attended token, so a wrong
            // mask or a stale cache slot shows up far above the tolerance.
            case "neo-random" -> Models.build(new ModelConfig("gpt_neo", VOCAB, 32, 4, 4, 4, 128, 48, 1e-5, 0, 3,
                    new boolean[] {false, true, false, true}, "gelu_new", true, 63, 63, "float32"),
                    new RandomWeights(7, 0.3), "cpu", "float32");
            case "llama-gqa-random" -> Models.build(new ModelConfig("llama", VOCAB, 48, 2, 6, 2, 64, 48, 1e-6, 10000.0, 0,
                    new boolean[2], "silu", false, 2, 1, "float32"),
                    new RandomWeights(11, 0.3), "cpu", "float32");
            default -> Models.load(Golden.dir(n), "cpu", "float32");
        });
    }

    @AfterAll
    static synchronized void closeModels() {
        MODELS.values().forEach(CausalLM::close);
        MODELS.clear();
    }

    // ---- incremental decoding ----

    @ParameterizedTest
    @ValueSource(strings = {"gpt2-tiny", "neo-main-tiny", "llama-tiny", "neo-random", "llama-gqa-random"})
    void incrementalDecodingEqualsFullRecompute(String name) {
        CausalLM m = model(name);
        int[] seq = randomIds(new SplittableRandom(1), 24);
        float[][] want = alone(m, seq);
        for (int chunk : new int[] {1, 3}) {
            try (NDManager scope = m.manager().newSubManager(); KvCache cache = m.newCache(1)) {
                int fed = 0;
                int prefill = 5;
                while (fed < seq.length) {
                    int n = Math.min(fed == 0 ? prefill : chunk, seq.length - fed);
                    int[] feed = Arrays.copyOfRange(seq, fed, fed + n);
                    float[][] got = rowLogits(m.logits(scope, new int[][] {feed}, cache).toFloatArray(), 1, n)[0];
                    for (int j = 0; j < n; j++) {
                        assertClose(want[fed + j], got[j], name + " chunk " + chunk + " position " + (fed + j));
                    }
                    fed += n;
                    assertEquals(fed, cache.length(0));
                }
            }
        }
    }

    /** Past the cache's first allocation (64 slots), so its storage grows several times along the way. */
    @Test
    void longDecodeThroughCacheGrowthEqualsFullRecompute() {
        CausalLM m = model("llama-tiny");
        int[] seq = randomIds(new SplittableRandom(6), m.config().maxPositions() - 3);
        float[][] want = alone(m, seq);
        try (NDManager scope = m.manager().newSubManager(); KvCache cache = m.newCache(2)) {
            for (int fed = 0; fed < seq.length; fed += 7) {
                int[] feed = Arrays.copyOfRange(seq, fed, Math.min(seq.length, fed + 7));
                float[][][] got = rowLogits(m.logits(scope, new int[][] {feed, {fed % VOCAB}}, cache).toFloatArray(), 2, feed.length);
                for (int j = 0; j < feed.length; j++) {
                    assertClose(want[fed + j], got[0][j], "position " + (fed + j));
                }
            }
            assertTrue(cache.columns() > 64, "columns " + cache.columns());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"neo-main-tiny", "llama-gqa-random"})
    void lastLogitsThroughCacheEqualFullRecompute(String name) {
        CausalLM m = model(name);
        int[] seq = randomIds(new SplittableRandom(2), 16);
        float[][] want = alone(m, seq);
        try (NDManager scope = m.manager().newSubManager(); KvCache cache = m.newCache(1)) {
            assertClose(want[3], m.lastLogits(scope, new int[][] {Arrays.copyOf(seq, 4)}, cache).toFloatArray(), name);
            for (int p = 4; p < seq.length; p++) {
                assertClose(want[p], m.lastLogits(scope, new int[][] {{seq[p]}}, cache).toFloatArray(), name + " @" + p);
            }
        }
    }

    // ---- rollback ----

    @ParameterizedTest
    @ValueSource(strings = {"gpt2-tiny", "neo-main-tiny", "llama-tiny", "neo-random", "llama-gqa-random"})
    void truncateThenRefeedEqualsRecomputeOfNewSequence(String name) {
        CausalLM m = model(name);
        SplittableRandom rnd = new SplittableRandom(3);
        int[] first = randomIds(rnd, 14);
        int[] replacement = randomIds(rnd, 6);
        int keep = 8;
        int[] newSeq = concat(Arrays.copyOf(first, keep), replacement);
        float[][] want = alone(m, newSeq);
        try (NDManager scope = m.manager().newSubManager(); KvCache cache = m.newCache(1)) {
            m.logits(scope, new int[][] {first}, cache);
            cache.truncate(0, keep);
            assertEquals(keep, cache.length(0));
            float[][] got = rowLogits(m.logits(scope, new int[][] {replacement}, cache).toFloatArray(), 1, replacement.length)[0];
            for (int j = 0; j < replacement.length; j++) {
                assertClose(want[keep + j], got[j], name + " position " + (keep + j));
            }
        }
        // The check has teeth: the replaced tokens really change the logits after them.
        float[][] old = alone(m, Arrays.copyOf(first, keep + 1));
        assertTrue(maxDiff(old[keep], want[keep]) > 100 * TOL || first[keep] == replacement[0]);
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2-tiny", "neo-random", "llama-gqa-random"})
    void truncateAppendCyclesWithCompactionStillMatch(String name) {
        CausalLM m = model(name);
        SplittableRandom rnd = new SplittableRandom(4);
        int[] seq = randomIds(rnd, 10);
        int maxColumns = 0;
        boolean shrank = false;
        try (NDManager scope = m.manager().newSubManager(); KvCache cache = m.newCache(1)) {
            m.logits(scope, new int[][] {seq}, cache);
            for (int cycle = 0; cycle < 30; cycle++) {
                // A speculative round: propose 2..5 tokens, accept a prefix of 0..all, i.e. roll back the rest.
                int[] draft = randomIds(rnd, 2 + rnd.nextInt(4));
                int before = cache.columns();
                float[][] got = rowLogits(m.logits(scope, new int[][] {draft}, cache).toFloatArray(), 1, draft.length)[0];
                shrank |= cache.columns() < before + draft.length;
                maxColumns = Math.max(maxColumns, cache.columns());
                int[] full = concat(seq, draft);
                float[][] want = alone(m, full);
                for (int j = 0; j < draft.length; j++) {
                    assertClose(want[seq.length + j], got[j], name + " cycle " + cycle + " draft token " + j);
                }
                int accepted = rnd.nextInt(draft.length + 1);
                seq = Arrays.copyOf(full, Math.min(seq.length + accepted, 30));
                cache.truncate(0, seq.length);
            }
            assertTrue(shrank, "compaction never ran (columns reached " + maxColumns + ")");
            assertTrue(cache.columns() < maxColumns);
            // Compaction on demand keeps the live slots only.
            cache.truncate(0, 3);
            m.logits(scope, new int[][] {{5}}, cache);
            cache.truncate(0, 4);
            cache.compactIfWasteful();
            assertTrue(cache.columns() <= 2 * 4 + 16, "columns " + cache.columns());
            float[] got = m.lastLogits(scope, new int[][] {{9, 10}}, cache).toFloatArray();
            assertClose(alone(m, new int[] {seq[0], seq[1], seq[2], 5, 9, 10})[5], got, name + " after compaction");
        }
    }

    @Test
    void truncateToZeroAndRefill() {
        CausalLM m = model("neo-random");
        int[] seq = randomIds(new SplittableRandom(5), 30);
        try (NDManager scope = m.manager().newSubManager(); KvCache cache = m.newCache(1)) {
            m.logits(scope, new int[][] {seq}, cache);
            cache.truncate(0);
            assertEquals(0, cache.length(0));
            float[] got = m.lastLogits(scope, new int[][] {Arrays.copyOf(seq, 5)}, cache).toFloatArray();
            assertTrue(cache.columns() <= 5 + 16, "a cache of dead slots should compact: " + cache.columns());
            assertClose(alone(m, Arrays.copyOf(seq, 5))[4], got, "refill");
        }
    }

    // ---- ragged batches ----

    @ParameterizedTest
    @ValueSource(ints = {3, 8})
    void batchFullSequenceEqualsEachPromptAlone(int batch) {
        for (String name : ALL) {
            CausalLM m = model(name);
            int[][] prompts = raggedPrompts(new SplittableRandom(batch), batch, 1, 12);
            try (NDManager scope = m.manager().newSubManager()) {
                int width = Arrays.stream(prompts).mapToInt(p -> p.length).max().orElseThrow();
                float[][][] got = rowLogits(m.logits(scope, prompts, null).toFloatArray(), batch, width);
                float[] last = m.lastLogits(scope, prompts, null).toFloatArray();
                for (int r = 0; r < batch; r++) {
                    float[][] want = alone(m, prompts[r]);
                    for (int j = 0; j < prompts[r].length; j++) {
                        assertClose(want[j], got[r][j], name + " row " + r + " position " + j);
                    }
                    assertClose(want[prompts[r].length - 1], Arrays.copyOfRange(last, r * VOCAB, (r + 1) * VOCAB),
                            name + " last of row " + r);
                }
            }
        }
    }

    /** Rows feed different numbers of tokens per step (including none), as speculative decoding does. */
    @ParameterizedTest
    @ValueSource(ints = {3, 8})
    void batchThroughCacheWithRaggedStepsEqualsEachPromptAlone(int batch) {
        for (String name : ALL) {
            CausalLM m = model(name);
            SplittableRandom rnd = new SplittableRandom(100 + batch);
            int[][] prompts = raggedPrompts(rnd, batch, 1, 9);
            int[][] seqs = new int[batch][];
            for (int r = 0; r < batch; r++) {
                seqs[r] = concat(prompts[r], randomIds(rnd, 24));
            }
            // Per step, tokens each row feeds: row 0 three, row 1 one, row 2 none, others at random.
            int[][] plan = new int[6][batch];
            for (int s = 0; s < plan.length; s++) {
                for (int r = 0; r < batch; r++) {
                    plan[s][r] = r == 0 ? 3 : r == 1 ? 1 : r == 2 ? (s % 2 == 0 ? 0 : 2) : rnd.nextInt(4);
                }
            }
            try (NDManager scope = m.manager().newSubManager(); KvCache cache = m.newCache(batch)) {
                int[] fed = new int[batch];
                for (int s = -1; s < plan.length; s++) {
                    int[][] feed = new int[batch][];
                    for (int r = 0; r < batch; r++) {
                        int n = s < 0 ? prompts[r].length : plan[s][r];
                        feed[r] = Arrays.copyOfRange(seqs[r], fed[r], fed[r] + n);
                    }
                    int width = Math.max(1, Arrays.stream(feed).mapToInt(f -> f.length).max().orElseThrow());
                    float[][][] got = rowLogits(m.logits(scope, feed, cache).toFloatArray(), batch, width);
                    for (int r = 0; r < batch; r++) {
                        float[][] want = alone(m, Arrays.copyOf(seqs[r], fed[r] + feed[r].length));
                        for (int j = 0; j < feed[r].length; j++) {
                            assertClose(want[fed[r] + j], got[r][j], name + " step " + s + " row " + r + " position " + (fed[r] + j));
                        }
                        fed[r] += feed[r].length;
                        assertEquals(fed[r], cache.length(r));
                    }
                    if (s == 2) {
                        // Roll every row back by a different amount mid-way, as rejected drafts do.
                        for (int r = 0; r < batch; r++) {
                            fed[r] = Math.max(1, fed[r] - r % 3);
                            cache.truncate(r, fed[r]);
                        }
                    }
                }
            }
        }
    }

    // ---- memory ----

    /** Everything a pass creates lives in its scope (or the cache): the weights' manager does not grow. */
    @ParameterizedTest
    @ValueSource(strings = {"gpt2-tiny", "neo-random", "llama-gqa-random"})
    void passesLeaveNothingInTheModelsManager(String name) {
        CausalLM m = model(name);
        try (NDManager warm = m.manager().newSubManager(); KvCache cache = m.newCache(1)) {
            m.lastLogits(warm, new int[][] {{1, 2, 3}}, cache); // first use may cache constants
        }
        int before = m.manager().getManagedArrays().size();
        try (NDManager scope = m.manager().newSubManager(); KvCache cache = m.newCache(2)) {
            m.logits(scope, new int[][] {{1, 2, 3}, {4}}, null);
            for (int step = 0; step < 40; step++) {
                try (NDManager stepScope = scope.newSubManager()) {
                    m.lastLogits(stepScope, new int[][] {{step % VOCAB}, {}}, cache);
                }
                cache.truncate(0, Math.min(cache.length(0), 3));
            }
            int during = m.manager().getManagedArrays().size() - before;
            assertTrue(during < 400, name + ": " + during + " arrays held by the cache and the open scope");
        }
        assertEquals(before, m.manager().getManagedArrays().size(), name + ": arrays leaked into the model's manager");
    }

    // ---- bad input ----

    @ParameterizedTest
    @ValueSource(strings = {"gpt2-tiny", "llama-gqa-random"})
    void exceedingTheContextWindowIsAClearError(String name) {
        CausalLM m = model(name);
        int window = m.config().maxPositions();
        try (NDManager scope = m.manager().newSubManager(); KvCache cache = m.newCache(2)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> m.logits(scope, new int[][] {new int[window + 1]}, null));
            assertTrue(e.getMessage().contains("context window of " + window), e.getMessage());

            m.logits(scope, new int[][] {new int[window - 1], {1}}, cache);
            m.logits(scope, new int[][] {{1}, {}}, cache); // exactly full
            e = assertThrows(IllegalArgumentException.class, () -> m.logits(scope, new int[][] {{1}, {}}, cache));
            assertTrue(e.getMessage().contains("exceeds the context window"), e.getMessage());
            // A refused pass leaves the cache as it was; rolling back makes room again.
            assertEquals(window, cache.length(0));
            assertEquals(1, cache.length(1));
            cache.truncate(0, window - 1);
            m.lastLogits(scope, new int[][] {{1}, {2}}, cache);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {-1, VOCAB, Integer.MAX_VALUE})
    void tokenIdsOutsideTheVocabularyAreAClearError(int bad) {
        CausalLM m = model("neo-main-tiny");
        try (NDManager scope = m.manager().newSubManager(); KvCache cache = m.newCache(1)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> m.logits(scope, new int[][] {{1, bad, 2}}, null));
            assertTrue(e.getMessage().contains("token id " + bad) && e.getMessage().contains("vocabulary (size " + VOCAB),
                    e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> m.lastLogits(scope, new int[][] {{bad}}, cache));
            assertEquals(0, cache.length(0));
        }
    }

    @Test
    void badTruncationAndBatchShapeAreErrors() {
        CausalLM m = model("neo-main-tiny");
        try (NDManager scope = m.manager().newSubManager(); KvCache cache = m.newCache(2)) {
            m.logits(scope, new int[][] {{1, 2}, {3}}, cache);
            assertThrows(IllegalArgumentException.class, () -> cache.truncate(1, 2));
            assertThrows(IllegalArgumentException.class, () -> cache.truncate(0, -1));
            assertThrows(IllegalArgumentException.class, () -> m.logits(scope, new int[][] {{1}}, cache));
        }
    }

    @Test
    void theRowPathsViewsAreKeptUntilTheBuffersGrow() {
        try (NDManager m = NDManager.newBaseManager("PyTorch"); KvCache cache = new KvCache(m, 2, 1)) {
            KvCache.RowBuffers first = cache.reserve(0, 3, 2, 4);
            assertSame(first, cache.reserve(0, 3, 2, 4), "the same buffers: the same views, not two new ones per pass");
            first.keys().putFloat(4 * 4, 1.5f); // row 0, head 0, slot 1, lane 0
            cache.commit(new int[][] {{0, 1, 2}, {0, 1, 2}});
            KvCache.RowBuffers grown = cache.reserve(0, 100, 2, 4); // 103 slots: past the first 64, so the buffers grow
            assertNotSame(first, grown);
            assertTrue(grown.capacity() >= 103, "capacity " + grown.capacity());
            assertEquals(1.5f, grown.keys().getFloat(4 * 4), "the slots in use were copied into the new buffer");
            assertSame(grown, cache.reserve(0, 100, 2, 4));
        }
    }

    // ---- helpers ----

    /** Full-sequence logits of {@code seq} alone, without a cache: {@code [T][V]}. */
    static float[][] alone(CausalLM m, int[] seq) {
        try (NDManager scope = m.manager().newSubManager()) {
            return rowLogits(m.logits(scope, new int[][] {seq}, null).toFloatArray(), 1, seq.length)[0];
        }
    }

    /** Splits flat {@code [B, T, V]} logits into rows and slots. */
    static float[][][] rowLogits(float[] flat, int rows, int width) {
        assertEquals((long) rows * width * VOCAB, flat.length);
        float[][][] out = new float[rows][width][];
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < width; j++) {
                int from = (r * width + j) * VOCAB;
                out[r][j] = Arrays.copyOfRange(flat, from, from + VOCAB);
            }
        }
        return out;
    }

    static void assertClose(float[] want, float[] got, String what) {
        assertEquals(want.length, got.length, what);
        double d = maxDiff(want, got);
        assertTrue(d <= TOL, what + ": max |diff| " + d);
    }

    static double maxDiff(float[] a, float[] b) {
        double d = 0;
        for (int i = 0; i < a.length; i++) {
            d = Math.max(d, Math.abs(a[i] - b[i]));
        }
        return d;
    }

    static int[] randomIds(SplittableRandom rnd, int n) {
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) {
            ids[i] = rnd.nextInt(VOCAB);
        }
        return ids;
    }

    /** Prompts of distinct lengths in [min, max] (as far as possible), in scrambled order. */
    static int[][] raggedPrompts(SplittableRandom rnd, int batch, int min, int max) {
        int[][] prompts = new int[batch][];
        for (int r = 0; r < batch; r++) {
            prompts[r] = randomIds(rnd, min + (r * 5 + 3) % (max - min + 1));
        }
        return prompts;
    }

    static int[] concat(int[] a, int[] b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
