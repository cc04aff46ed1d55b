package org.specfair.finetune;

import org.specfair.checkpoint.ModelConfig;
import org.specfair.lm.CausalLM;
import org.specfair.lm.Models;
import org.specfair.lm.Weights;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two full training steps (loss, gradient accumulation, global-norm clipping, AdamW with the decay mask, the
 * linear schedule) against an independent float64 computation in plain Java, forward and backward by hand.
 * The model is a GPT-2 without blocks (embeddings, final LayerNorm, tied head): small enough to differentiate
 * by hand, and it still has every kind of parameter (decayed matrices, undecayed norm scale and bias, a tied
 * weight used twice). Gradients through the blocks are checked against finite differences in TrainableForwardTest.
 */
class TrainingStepReferenceTest {
    static final int V = 16;
    static final int D = 8;
    static final int P = 16;
    static final double EPS_LN = 1e-5;

    @Test
    void twoStepsMatchAFloat64Reference() {
        ModelConfig c = new ModelConfig("gpt2", V, D, 0, 2, 2, 4 * D, P, EPS_LN, 0, 0, new boolean[0], "gelu_new", true,
                0, 0, "float32");
        TrainConfig config = TrainConfig.DEFAULTS.withAll(Map.of("context_length", "7", "batch_size", "2",
                "grad_accumulation", "2", "learning_rate", "0.05", "schedule", "linear", "warmup_steps", "0",
                "weight_decay", "0.1", "max_steps", "2", "clip_norm", "0.05", "adam_eps", "1e-8"));
        java.util.Random rnd = new java.util.Random(3);
        List<int[]> blocks = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            int[] b = new int[7];
            for (int j = 0; j < b.length; j++) {
                b[j] = rnd.nextInt(V);
            }
            blocks.add(b);
        }
        try (CausalLM m = Models.random(c, 11, 0.5, "cpu", "float32")) {
            Map<String, double[]> w = new HashMap<>();
            for (Weights.Taken t : m.parameters()) {
                float[] f = t.array().toFloatArray();
                double[] d = new double[f.length];
                for (int i = 0; i < f.length; i++) {
                    d[i] = f[i];
                }
                w.put(t.name(), d);
            }
            Trainer trainer = new Trainer(m, "toy", blocks, List.of(), config, null);
            Reference ref = new Reference(w, config);
            for (int s = 1; s <= 2; s++) {
                int[][][] micro = {trainer.microBatch(s, 0), trainer.microBatch(s, 1)};
                double refLoss = ref.step(s, micro);
                double loss = trainer.trainStep();
                assertEquals(refLoss, loss, 1e-5 * refLoss, "loss at step " + s);
                assertTrue(ref.lastNorm > config.clipNorm(), "clipping engaged at step " + s + " (norm " + ref.lastNorm + ")");
                for (Weights.Taken t : m.parameters()) {
                    float[] got = t.array().toFloatArray();
                    double[] want = w.get(t.name());
                    for (int i = 0; i < got.length; i++) {
                        assertEquals(want[i], got[i], 2e-6 + 1e-5 * Math.abs(want[i]), t.name() + "[" + i + "] after step " + s);
                    }
                }
            }
            trainer.close();
        }
    }

    /** The step in float64: forward, backward by hand, clip, AdamW (decay on rank-2 tensors only), lr = peak * (1 - (s-1)/total). */
    static final class Reference {
        final Map<String, double[]> w;
        final Map<String, double[]> m = new HashMap<>();
        final Map<String, double[]> v = new HashMap<>();
        final TrainConfig c;
        double lastNorm;

        Reference(Map<String, double[]> w, TrainConfig c) {
            this.w = w;
            this.c = c;
            w.forEach((k, x) -> {
                m.put(k, new double[x.length]);
                v.put(k, new double[x.length]);
            });
        }

        double step(int s, int[][][] micro) {
            Map<String, double[]> g = new HashMap<>();
            w.forEach((k, x) -> g.put(k, new double[x.length]));
            double loss = 0;
            for (int[][] mb : micro) {
                loss += forwardBackward(mb, g, micro.length) / micro.length;
            }
            double sq = 0;
            for (double[] x : g.values()) {
                for (double e : x) {
                    sq += e * e;
                }
            }
            lastNorm = Math.sqrt(sq);
            double coef = Math.min(1, c.clipNorm() / (lastNorm + 1e-6));
            double lr = c.learningRate() * (1 - (double) (s - 1) / c.maxSteps());
            for (String k : w.keySet()) {
                double[] x = w.get(k);
                double[] gk = g.get(k);
                double[] mk = m.get(k);
                double[] vk = v.get(k);
                boolean decay = !k.startsWith("ln_f");        // wte, wpe: matrices; ln_f weight and bias: vectors
                for (int i = 0; i < x.length; i++) {
                    double gi = gk[i] * coef;
                    if (decay) {
                        x[i] *= 1 - lr * c.weightDecay();
                    }
                    mk[i] = c.beta1() * mk[i] + (1 - c.beta1()) * gi;
                    vk[i] = c.beta2() * vk[i] + (1 - c.beta2()) * gi * gi;
                    double mHat = mk[i] / (1 - Math.pow(c.beta1(), s));
                    double vHat = vk[i] / (1 - Math.pow(c.beta2(), s));
                    x[i] -= lr * mHat / (Math.sqrt(vHat) + c.adamEps());
                }
            }
            return loss;
        }

        /** Mean next-token loss of one micro-batch; adds d(loss / accumulation)/dw into g. */
        double forwardBackward(int[][] blocks, Map<String, double[]> g, int accumulation) {
            double[] wte = w.get("wte.weight");
            double[] wpe = w.get("wpe.weight");
            double[] gamma = w.get("ln_f.weight");
            double[] beta = w.get("ln_f.bias");
            int t = blocks[0].length - 1;
            int n = blocks.length * t;
            double loss = 0;
            for (int[] blk : blocks) {
                for (int p = 0; p < t; p++) {
                    int id = blk[p];
                    int target = blk[p + 1];
                    double[] x = new double[D];
                    for (int d = 0; d < D; d++) {
                        x[d] = wte[id * D + d] + wpe[p * D + d];
                    }
                    double mu = 0;
                    for (double e : x) {
                        mu += e / D;
                    }
                    double var = 0;
                    for (double e : x) {
                        var += (e - mu) * (e - mu) / D;
                    }
                    double sigma = Math.sqrt(var + EPS_LN);
                    double[] xhat = new double[D];
                    double[] h = new double[D];
                    for (int d = 0; d < D; d++) {
                        xhat[d] = (x[d] - mu) / sigma;
                        h[d] = gamma[d] * xhat[d] + beta[d];
                    }
                    double[] z = new double[V];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int u = 0; u < V; u++) {
                        for (int d = 0; d < D; d++) {
                            z[u] += h[d] * wte[u * D + d];
                        }
                        max = Math.max(max, z[u]);
                    }
                    double sum = 0;
                    for (int u = 0; u < V; u++) {
                        sum += Math.exp(z[u] - max);
                    }
                    double logSum = max + Math.log(sum);
                    loss += (logSum - z[target]) / n;
                    // backward
                    double scale = 1.0 / (n * accumulation);
                    double[] dh = new double[D];
                    for (int u = 0; u < V; u++) {
                        double dz = (Math.exp(z[u] - logSum) - (u == target ? 1 : 0)) * scale;
                        for (int d = 0; d < D; d++) {
                            g.get("wte.weight")[u * D + d] += dz * h[d];
                            dh[d] += dz * wte[u * D + d];
                        }
                    }
                    double meanDxhat = 0;
                    double meanDxhatXhat = 0;
                    double[] dxhat = new double[D];
                    for (int d = 0; d < D; d++) {
                        g.get("ln_f.weight")[d] += dh[d] * xhat[d];
                        g.get("ln_f.bias")[d] += dh[d];
                        dxhat[d] = dh[d] * gamma[d];
                        meanDxhat += dxhat[d] / D;
                        meanDxhatXhat += dxhat[d] * xhat[d] / D;
                    }
                    for (int d = 0; d < D; d++) {
                        double dx = (dxhat[d] - meanDxhat - xhat[d] * meanDxhatXhat) / sigma;
                        g.get("wte.weight")[id * D + d] += dx;
                        g.get("wpe.weight")[p * D + d] += dx;
                    }
                }
            }
            return loss;
        }
    }
}
