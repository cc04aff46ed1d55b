package org.specfair.lm;

import org.specfair.checkpoint.ModelConfig;
import org.specfair.checkpoint.RopeScaling;

import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The LLaMA forward pass against a plain-Java, double-precision reference written from the architecture's
 * definition, for what the golden fixtures do not cover: rope_theta != 10000, rope_scaling (linear, llama3),
 * a tied head, grouped-query attention.
 */
class LlamaReferenceTest {
    static final int V = 32;
    static final int D = 16;
    static final int H = 4;
    static final int KV = 2;
    static final int INNER = 24;
    static final int[] IDS = {1, 7, 3, 30, 12, 5, 9, 22, 17, 4};

    static ModelConfig config(double theta, boolean tied, RopeScaling scaling) {
        return new ModelConfig("llama", V, D, 2, H, KV, INNER, 64, 1e-6, theta, 0, new boolean[2], "silu", tied,
                new int[] {2}, 1, "float32", scaling);
    }

    @Test
    void llama3InverseFrequenciesWorkedOutByHand() {
        // hd 8, theta 1e4: 1, 0.1, 0.01, 0.001 (wavelengths 6.3, 63, 628, 6283). original 64, low 1, high 4, factor 8:
        // below 16 kept; above 64 divided by 8; 62.8 smoothed: s = (64 / 62.83 - 1) / 3, (1 - s) 0.1 / 8 + s 0.1.
        double[] inv = RopeScaling.inverseFrequencies(8, 10000, new RopeScaling("llama3", 8, 1, 4, 64));
        assertArrayEquals(new double[] {1.0, 0.013042256043820465, 0.00125, 0.000125}, inv, 1e-15);
        double[] linear = RopeScaling.inverseFrequencies(8, 10000, new RopeScaling("linear", 4, 0, 0, 0));
        assertArrayEquals(new double[] {0.25, 0.025, 0.0025, 0.00025}, linear, 1e-15);
    }

    @Test
    void ropeThetaAndTiedHead() {
        check(config(500000.0, true, null), invFreq(500000.0, 1));
    }

    @Test
    void untiedHeadAndLinearScaling() {
        check(config(10000.0, false, new RopeScaling("linear", 2, 0, 0, 0)), invFreq(10000.0, 2));
    }

    @Test
    void llama3Scaling() {
        RopeScaling s = new RopeScaling("llama3", 8, 1, 4, 16);
        check(config(500000.0, false, s), RopeScaling.inverseFrequencies(D / H, 500000.0, s));
    }

    /** theta^(-2i/hd) / linearFactor, written out independently of the engine. */
    static double[] invFreq(double theta, double linearFactor) {
        int hd = D / H;
        double[] inv = new double[hd / 2];
        for (int i = 0; i < inv.length; i++) {
            inv[i] = 1.0 / Math.pow(theta, (2.0 * i) / hd) / linearFactor;
        }
        return inv;
    }

    static void check(ModelConfig c, double[] invFreq) {
        try (CausalLM model = Models.random(c, 3, 0.3, "cpu", "float32"); NDManager scope = model.manager().newSubManager()) {
            Map<String, float[]> w = new HashMap<>();
            for (Weights.Taken t : model.parameters()) {
                w.put(t.name(), t.array().toFloatArray());
            }
            assertEquals(c.tieWordEmbeddings(), !w.containsKey("lm_head.weight"), "a tied model has no head of its own");
            float[] got = model.logits(scope, new int[][] {IDS}, null).toFloatArray();
            double[][] want = reference(w, c, invFreq);
            for (int t = 0; t < IDS.length; t++) {
                for (int v = 0; v < V; v++) {
                    assertEquals(want[t][v], got[t * V + v], 1e-4 * Math.max(1, Math.abs(want[t][v])), "position " + t + " token " + v);
                }
            }
        }
    }

    /** Logits [T][V] of {@link #IDS}: RMSNorm, rotary (rotate-half), causal GQA, SwiGLU, final norm, head. */
    static double[][] reference(Map<String, float[]> w, ModelConfig c, double[] invFreq) {
        int hd = D / H;
        int t0 = IDS.length;
        double[][] x = new double[t0][];
        for (int t = 0; t < t0; t++) {
            x[t] = row(w.get("embed_tokens.weight"), IDS[t], D);
        }
        for (int l = 0; l < c.numLayers(); l++) {
            String p = "layers." + l + ".";
            double[][] q = new double[t0][];
            double[][] k = new double[t0][];
            double[][] v = new double[t0][];
            for (int t = 0; t < t0; t++) {
                double[] h = rmsNorm(x[t], w.get(p + "input_layernorm.weight"), c.normEps());
                q[t] = rotate(matVec(w.get(p + "self_attn.q_proj.weight"), h, H * hd), t, hd, invFreq);
                k[t] = rotate(matVec(w.get(p + "self_attn.k_proj.weight"), h, KV * hd), t, hd, invFreq);
                v[t] = matVec(w.get(p + "self_attn.v_proj.weight"), h, KV * hd);
            }
            for (int t = 0; t < t0; t++) {
                double[] y = new double[D];
                for (int head = 0; head < H; head++) {
                    int g = head / (H / KV); // the key/value head this query head shares
                    double[] s = new double[t + 1];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j <= t; j++) {
                        for (int i = 0; i < hd; i++) {
                            s[j] += q[t][head * hd + i] * k[j][g * hd + i];
                        }
                        s[j] /= Math.sqrt(hd);
                        max = Math.max(max, s[j]);
                    }
                    double sum = 0;
                    for (int j = 0; j <= t; j++) {
                        s[j] = Math.exp(s[j] - max);
                        sum += s[j];
                    }
                    for (int j = 0; j <= t; j++) {
                        for (int i = 0; i < hd; i++) {
                            y[head * hd + i] += s[j] / sum * v[j][g * hd + i];
                        }
                    }
                }
                add(x[t], matVec(w.get(p + "self_attn.o_proj.weight"), y, D));
                double[] h = rmsNorm(x[t], w.get(p + "post_attention_layernorm.weight"), c.normEps());
                double[] gate = matVec(w.get(p + "mlp.gate_proj.weight"), h, INNER);
                double[] up = matVec(w.get(p + "mlp.up_proj.weight"), h, INNER);
                for (int i = 0; i < INNER; i++) {
                    gate[i] = gate[i] / (1 + Math.exp(-gate[i])) * up[i]; // silu(gate) * up
                }
                add(x[t], matVec(w.get(p + "mlp.down_proj.weight"), gate, D));
            }
        }
        float[] head = c.tieWordEmbeddings() ? w.get("embed_tokens.weight") : w.get("lm_head.weight");
        double[][] logits = new double[t0][];
        for (int t = 0; t < t0; t++) {
            logits[t] = matVec(head, rmsNorm(x[t], w.get("norm.weight"), c.normEps()), V);
        }
        return logits;
    }

    static double[] rotate(double[] x, int position, int hd, double[] invFreq) {
        double[] out = x.clone();
        int half = hd / 2;
        for (int head = 0; head < x.length / hd; head++) {
            for (int i = 0; i < half; i++) {
                double a = position * invFreq[i];
                double x1 = x[head * hd + i];
                double x2 = x[head * hd + i + half];
                out[head * hd + i] = x1 * Math.cos(a) - x2 * Math.sin(a);
                out[head * hd + i + half] = x2 * Math.cos(a) + x1 * Math.sin(a);
            }
        }
        return out;
    }

    static double[] rmsNorm(double[] x, float[] weight, double eps) {
        double ms = 0;
        for (double v : x) {
            ms += v * v / x.length;
        }
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i] / Math.sqrt(ms + eps) * weight[i];
        }
        return out;
    }

    /** {@code m} stored [rows][x.length] (nn.Linear layout) times x. */
    static double[] matVec(float[] m, double[] x, int rows) {
        double[] out = new double[rows];
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < x.length; i++) {
                out[r] += m[r * x.length + i] * x[i];
            }
        }
        return out;
    }

    static double[] row(float[] m, int r, int width) {
        double[] out = new double[width];
        for (int i = 0; i < width; i++) {
            out[i] = m[r * width + i];
        }
        return out;
    }

    static void add(double[] acc, double[] v) {
        for (int i = 0; i < acc.length; i++) {
            acc[i] += v[i];
        }
    }
}
