package org.specfair.decode;

import org.specfair.lm.CausalLM;

import org.apache.commons.math3.distribution.ChiSquaredDistribution;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import ai.djl.ndarray.NDManager;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Speculative sampling must leave the main model's output distribution unchanged. Over 20,000 seeded
 * samples of the first two tokens (vocabulary 6, so 36 cells), a chi-square goodness-of-fit test
 * against the exact main-model probabilities must not reject at p = 0.001; the same test with a
 * classic wrong rule (on rejection, resample from p instead of the residual) must reject. With a temperature
 * other than 1, top-k and top-p, the target is the main model's processed distribution, computed here the way
 * transformers' TemperatureLogitsWarper, TopKLogitsWarper and TopPLogitsWarper compute it (in that order).
 */
class SpeculativeSamplingTest {
    static final int V = 6;
    static final int SAMPLES = 20_000;
    static CausalLM main;
    static CausalLM draft;
    static final int[] PROMPT = {1, 3, 2};

    @BeforeAll
    static void load() {
        // Large init scale: peaked distributions that differ between the two models.
        main = TinyPair.model(V, 2, 1, 0.6);
        draft = TinyPair.model(V, 1, 2, 0.6);
    }

    @AfterAll
    static void close() {
        main.close();
        draft.close();
    }

    /** Exact P(x1, x2 | prompt) of the main model at temperature 1. */
    static double[] exact() {
        return exact(1.0, 0, 1.0);
    }

    /** Exact P(x1, x2 | prompt) of the main model's distribution processed by temperature, top-k, top-p. */
    static double[] exact(double temperature, int topK, double topP) {
        double[] out = new double[V * V];
        try (NDManager scope = main.manager().newSubManager()) {
            double[] p1 = processed(main.logits(scope, new int[][] {PROMPT}, null).toFloatArray(), PROMPT.length - 1, temperature, topK, topP);
            for (int x1 = 0; x1 < V; x1++) {
                int[] seq = {PROMPT[0], PROMPT[1], PROMPT[2], x1};
                double[] p2 = processed(main.logits(scope, new int[][] {seq}, null).toFloatArray(), seq.length - 1, temperature, topK, topP);
                for (int x2 = 0; x2 < V; x2++) {
                    out[x1 * V + x2] = p1[x1] * p2[x2];
                }
            }
        }
        return out;
    }

    /**
     * HF's warpers on one row: logits / T; top-k sets logits below the k-th largest to -inf; top-p sorts the
     * probabilities ascending and removes tokens whose cumulative mass is <= 1 - top_p (keeping at least one).
     */
    static double[] processed(float[] logits, int row, double temperature, int topK, double topP) {
        float[] scaled = new float[V];
        for (int i = 0; i < V; i++) {
            scaled[i] = (float) (logits[row * V + i] / temperature);
        }
        if (topK > 0) {
            float[] sorted = scaled.clone();
            java.util.Arrays.sort(sorted);
            float kth = sorted[V - topK];
            for (int i = 0; i < V; i++) {
                if (scaled[i] < kth) {
                    scaled[i] = Float.NEGATIVE_INFINITY;
                }
            }
        }
        double[] p = softmax(scaled, 0);
        if (topP < 1.0) {
            Integer[] ascending = new Integer[V];
            for (int i = 0; i < V; i++) {
                ascending[i] = i;
            }
            java.util.Arrays.sort(ascending, (a, b) -> Double.compare(p[a], p[b]));
            double cum = 0;
            double kept = 0;
            for (int j = 0; j < V; j++) {
                cum += p[ascending[j]];
                if (cum <= 1 - topP && j < V - 1) {
                    p[ascending[j]] = 0;
                }
            }
            for (double v : p) {
                kept += v;
            }
            for (int i = 0; i < V; i++) {
                p[i] /= kept;
            }
        }
        return p;
    }

    static double[] softmax(float[] logits, int row) {
        double[] p = new double[V];
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < V; i++) {
            max = Math.max(max, logits[row * V + i]);
        }
        double sum = 0;
        for (int i = 0; i < V; i++) {
            p[i] = Math.exp(logits[row * V + i] - max);
            sum += p[i];
        }
        for (int i = 0; i < V; i++) {
            p[i] /= sum;
        }
        return p;
    }

    static double pValue(Decoder decoder) {
        return pValue(decoder, exact());
    }

    static double pValue(Decoder decoder, double[] expected) {
        return pValue(counts(decoder), expected);
    }

    /** How often each (x1, x2) came out over the seeded samples. */
    static long[] counts(Decoder decoder) {
        long[] counts = new long[V * V];
        int batch = 1000;
        for (int from = 0; from < SAMPLES; from += batch) {
            List<DecodeRequest> reqs = new ArrayList<>();
            for (int i = from; i < from + batch; i++) {
                reqs.add(new DecodeRequest(PROMPT, Seeds.forPrompt(42, "sample", i)));
            }
            for (Generation g : decoder.generate(reqs, false)) {
                counts[g.completionIds()[0] * V + g.completionIds()[1]]++;
            }
        }
        return counts;
    }

    static double pValue(long[] counts, double[] expected) {
        // Chi-square over cells with expected count >= 5, the rest pooled into one cell.
        double stat = 0;
        int cells = 0;
        double pooledE = 0;
        double pooledO = 0;
        for (int c = 0; c < counts.length; c++) {
            double e = expected[c] * SAMPLES;
            if (e >= 5) {
                stat += (counts[c] - e) * (counts[c] - e) / e;
                cells++;
            } else {
                pooledE += e;
                pooledO += counts[c];
            }
        }
        if (pooledE > 0) {
            stat += (pooledO - pooledE) * (pooledO - pooledE) / Math.max(pooledE, 1e-9);
            cells++;
        }
        assertTrue(cells >= 3, "too few cells for a chi-square test: " + cells);
        return 1 - new ChiSquaredDistribution(cells - 1).cumulativeProbability(stat);
    }

    static DecodeConfig config() {
        // eos = V - 1 is a normal token here (stopAtEos off) so every sample has two tokens.
        return new DecodeConfig(Mode.SPECULATIVE, 1.0, 0, 1.0, Schedule.HEURISTIC_TRANSIENT, 2, 3, 0, 1.0, false);
    }

    @Test
    void preservesTheMainDistribution() {
        double p = pValue(new Decoder(main, draft, config()));
        assertTrue(p > 0.001, "chi-square rejects speculative sampling: p = " + p);
    }

    @Test
    void preservesTheProcessedDistributionWithTemperatureTopKTopP() {
        double[][] settings = {{1.5, 4, 1.0}, {2.5, 0, 0.97}, {2.0, 5, 0.99}};
        for (double[] s : settings) {
            DecodeConfig cfg = config().withSampling(s[0], (int) s[1], s[2], 0);
            double[] want = exact(s[0], (int) s[1], s[2]);
            long[] counts = counts(new Decoder(main, draft, cfg));
            double p = pValue(counts, want);
            assertTrue(p > 0.001, "chi-square rejects speculative sampling at T=" + s[0] + " top_k=" + s[1] + " top_p=" + s[2] + ": p = " + p);
            // The check has power here: the same samples reject the unprocessed (temperature 1) distribution.
            assertTrue(pValue(counts, exact()) < 0.001, "the test cannot tell T=" + s[0] + " from T=1");
        }
    }

    @Test
    void wrongRuleIsDetected() {
        Decoder wrong = new Decoder(main, draft, config()).withSamplingRule((d, p, q, rng) -> {
            for (int i = 0; i < d.length; i++) {
                if (rng.nextDouble() >= Math.min(1.0, p[i][d[i]] / q[i][d[i]])) {
                    return new Verifier.Verdict(i, Sampler.draw(p[i], rng)); // bug: should be the residual
                }
            }
            return new Verifier.Verdict(d.length, Sampler.draw(p[d.length], rng));
        });
        double p = pValue(wrong);
        assertTrue(p < 0.001, "chi-square failed to reject a wrong acceptance rule: p = " + p);
    }
}
