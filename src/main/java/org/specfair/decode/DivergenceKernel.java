package org.specfair.decode;

import org.specfair.lm.FloatSoftmax;
import org.specfair.lm.HostLogits;
import org.specfair.lm.nn.ExactMath;
import org.specfair.lm.nn.ProductThreads;
import org.specfair.lm.nn.ReusedFloats;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.nio.FloatBuffer;

/**
 * {@link DivergenceMath}'s metrics for CPU logits, a row at a time in Java (Vector API), instead of ~20 torch passes
 * over {@code [R, V]} arrays. Same formulas, same floor ({@link FloatSoftmax#FLOOR}), float32 terms: per position,
 * both models' probabilities, log m with m = (p + q) / 2, then seven sums over the vocabulary. A row's normalizer and
 * argmax are {@link HostLogits}'s, the same code greedy decoding uses on a CPU.
 *
 * <p>Why: at batch 16 a scoring chunk is ~80 positions x 50257 logits per model; torch makes a fresh 16 MB array for
 * every intermediate and reads it again (memory-bound, ~1.5 ms each), so the scoring pass cost 16-18% of a scored
 * speculative run on gpt-neo-125M shapes. Here a row's intermediates are per-thread arrays of one row (200 KB each,
 * kept in the core's cache) that short loops fill in turn: probabilities, the midpoint's logs, the sums.
 *
 * <p>Why short loops, not one: a single loop of ~100 vector operations with exp and log inlined by hand had C2 inline
 * 6,000-7,000 bytes of bytecode into it (LogCompilation's inlined_bytes), near C2's 8,000-byte DesiredMethodLimit;
 * past it C2 inlines the Vector API's calls late, under a node budget, and boxes the vectors of any it drops. Two JVMs
 * in 35 scored 4x slower all run (34% of a batch-16 run instead of 8-13%, ~14 GB/s of garbage), which is what that
 * looks like; the largest piece here takes 2,200 bytes. See {@link ExactMath}.
 *
 * <p>Reproducible: exp and log are {@link ExactMath}'s, and lane sums are added in lane order, so every operation
 * gives the same float in every execution mode: with the Vector API's own EXP / LOG and {@code reduceLanes}, rows
 * depended on when the JIT got to them, and a cluster's executors and local mode wrote different last bits.
 *
 * <p>Sums: per-lane float partial sums over blocks of {@link #BLOCK} logits, added into doubles (torch sums in
 * float32 pairwise); with blocks of 1024 the KL error against float64 reached 2.3e-6, with 128 it stays under the
 * 2e-6 that DivergenceMathTest asks of both paths; kernel and torch agree to 1e-6.
 */
final class DivergenceKernel {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    /** Logits per block whose per-lane float partial sums are then added in double. */
    private static final int BLOCK = 128;

    /** Per thread: a position's two logit rows, its two probability rows and the midpoint's logs. */
    private static final ReusedFloats MAIN_ROW = new ReusedFloats();
    private static final ReusedFloats ASSISTANT_ROW = new ReusedFloats();
    private static final ReusedFloats MAIN_PROBS = new ReusedFloats();
    private static final ReusedFloats ASSISTANT_PROBS = new ReusedFloats();
    private static final ReusedFloats MIDPOINT_LOGS = new ReusedFloats();

    private DivergenceKernel() {}

    /**
     * @param main      per position, its {@code V} logits (a view of the model's output: read in place)
     * @param assistant per position, the assistant's
     */
    static DivergenceMath.Chunk of(FloatBuffer[] main, FloatBuffer[] assistant, int vocab, long[] tokens,
                                   double temperature, boolean tokensAreMainArgmax,
                                   FloatSoftmax.HostNormalizer knownP, FloatSoftmax.HostNormalizer knownQ) {
        int rows = tokens.length;
        double[] pTok = new double[rows];
        double[] qTok = new double[rows];
        double[] klPQ = new double[rows];
        double[] klQP = new double[rows];
        double[] js = new double[rows];
        double[] tv = new double[rows];
        double[] hP = new double[rows];
        double[] hQ = new double[rows];
        boolean[] agrees = new boolean[rows];
        float t = (float) temperature;
        // Positions are independent: the task's threads take a share each (a position's bits do not depend on which).
        int parts = Math.min(ProductThreads.threads(), rows);
        ProductThreads.run(parts, k -> {
            float[] a = MAIN_ROW.take(vocab);
            float[] b = ASSISTANT_ROW.take(vocab);
            float[] p = MAIN_PROBS.take(vocab);
            float[] q = ASSISTANT_PROBS.take(vocab);
            float[] lm = MIDPOINT_LOGS.take(vocab);
            double[] sums = new double[7];
            for (int r = rows * k / parts; r < rows * (k + 1) / parts; r++) {
                main[r].get(0, a, 0, vocab);
                assistant[r].get(0, b, 0, vocab);
                if (temperature != 1.0) {
                    for (int v = 0; v < vocab; v++) { // as torch's logits.div(t): one float division each
                        a[v] /= t;
                        b[v] /= t;
                    }
                }
                int tok = Math.toIntExact(tokens[r]);
                float[] np = knownP != null ? new float[] {knownP.max()[r], knownP.logSum()[r]} : HostLogits.normalizer(a, vocab);
                float[] nq = knownQ != null ? new float[] {knownQ.max()[r], knownQ.logSum()[r]} : HostLogits.normalizer(b, vocab);
                pTok[r] = Math.exp(((double) a[tok] - np[0]) - np[1]);
                qTok[r] = Math.exp(((double) b[tok] - nq[0]) - nq[1]);
                agrees[r] = tokensAreMainArgmax ? b[tok] == nq[0] : HostLogits.argmax(a, vocab) == HostLogits.argmax(b, vocab);
                probabilities(a, vocab, np[0], (float) Math.exp(np[1]), p);
                probabilities(b, vocab, nq[0], (float) Math.exp(nq[1]), q);
                midpointLogs(p, q, vocab, lm);
                sums(a, b, p, q, lm, vocab, np[0], np[1], nq[0], nq[1], sums);
                double alpha = sums[0];
                klPQ[r] = Math.max(0, sums[1]);
                klQP[r] = Math.max(0, -sums[2]);
                js[r] = Math.max(0, 0.5 * (sums[3] + sums[4]));
                hP[r] = -sums[5];
                hQ[r] = -sums[6];
                tv[r] = Math.max(0, 1 - alpha);
            }
        });
        return new DivergenceMath.Chunk(pTok, qTok, klPQ, klQP, js, tv, hP, hQ, agrees);
    }

    /** {@code p[v] = exp(max(z[v] - max, -FLOOR)) / sum} for {@code v < vocab}: one model's probabilities. */
    private static void probabilities(float[] z, int vocab, float max, float sum, float[] p) {
        HostLogits.flooredExps(z, vocab, max, p);
        int bound = S.loopBound(vocab);
        int v = 0;
        for (; v < bound; v += L) {
            FloatVector.fromArray(S, p, v).div(sum).intoArray(p, v);
        }
        for (; v < vocab; v++) {
            p[v] /= sum;
        }
    }

    /** {@code lm[v] = log((p[v] + q[v]) / 2)} for {@code v < vocab}: log of the midpoint distribution. */
    private static void midpointLogs(float[] p, float[] q, int vocab, float[] lm) {
        int bound = S.loopBound(vocab);
        int v = 0;
        for (; v < bound; v += L) {
            FloatVector.fromArray(S, p, v).add(FloatVector.fromArray(S, q, v)).mul(0.5f).intoArray(lm, v);
        }
        for (; v < vocab; v++) {
            lm[v] = (p[v] + q[v]) * 0.5f;
        }
        ExactMath.logInPlace(lm, 0, vocab);
    }

    /**
     * The seven sums of one position, from its logits {@code a} / {@code b}, their probabilities {@code p} /
     * {@code q} and the midpoint's logs {@code lm}: alpha = sum min(p, q), sum (lp - lq) p, sum (lp - lq) q,
     * sum (lp - lm) p, sum (lq - lm) q, sum lp p, sum lq q.
     */
    private static void sums(float[] a, float[] b, float[] p, float[] q, float[] lm, int vocab,
                             float maxP, float lsP, float maxQ, float lsQ, double[] out) {
        java.util.Arrays.fill(out, 0);
        FloatVector mp = FloatVector.broadcast(S, maxP);
        FloatVector mq = FloatVector.broadcast(S, maxQ);
        float[] lanes = new float[7 * L];
        int v = 0;
        int bound = S.loopBound(vocab);
        for (int blockEnd = Math.min(bound, BLOCK); v < bound; blockEnd = Math.min(bound, blockEnd + BLOCK)) {
            FloatVector s0 = FloatVector.zero(S), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0;
            for (; v < blockEnd; v += L) {
                FloatVector lp = FloatVector.fromArray(S, a, v).sub(mp).sub(lsP);
                FloatVector lq = FloatVector.fromArray(S, b, v).sub(mq).sub(lsQ);
                FloatVector pv = FloatVector.fromArray(S, p, v);
                FloatVector qv = FloatVector.fromArray(S, q, v);
                FloatVector lmv = FloatVector.fromArray(S, lm, v);
                FloatVector d = lp.sub(lq);
                s0 = s0.add(pv.min(qv));
                s1 = s1.add(d.mul(pv));
                s2 = s2.add(d.mul(qv));
                s3 = s3.add(lp.sub(lmv).mul(pv));
                s4 = s4.add(lq.sub(lmv).mul(qv));
                s5 = s5.add(lp.mul(pv));
                s6 = s6.add(lq.mul(qv));
            }
            // each sum's lanes added in lane order (reduceLanes's order differs between execution modes)
            s0.intoArray(lanes, 0);
            s1.intoArray(lanes, L);
            s2.intoArray(lanes, 2 * L);
            s3.intoArray(lanes, 3 * L);
            s4.intoArray(lanes, 4 * L);
            s5.intoArray(lanes, 5 * L);
            s6.intoArray(lanes, 6 * L);
            for (int k = 0; k < 7; k++) {
                float lanesSum = 0f;
                for (int l = k * L; l < (k + 1) * L; l++) {
                    lanesSum += lanes[l];
                }
                out[k] += lanesSum;
            }
        }
        for (; v < vocab; v++) { // the tail, one logit at a time with the same float operations
            float lp = (a[v] - maxP) - lsP;
            float lq = (b[v] - maxQ) - lsQ;
            float d = lp - lq;
            out[0] += Math.min(p[v], q[v]);
            out[1] += d * p[v];
            out[2] += d * q[v];
            out[3] += (lp - lm[v]) * p[v];
            out[4] += (lq - lm[v]) * q[v];
            out[5] += lp * p[v];
            out[6] += lq * q[v];
        }
    }
}
