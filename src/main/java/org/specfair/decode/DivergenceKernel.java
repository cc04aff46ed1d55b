package org.specfair.decode;

import org.specfair.lm.FloatSoftmax;
import org.specfair.lm.HostLogits;
import org.specfair.lm.nn.ExactMath;
import org.specfair.lm.nn.ProductThreads;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.nio.FloatBuffer;

/**
 * {@link DivergenceMath}'s metrics for CPU logits in one pass per row (Java Vector API), instead of ~20 torch
 * passes over {@code [R, V]} arrays. Same formulas, same floor ({@link FloatSoftmax#FLOOR}), float32 terms:
 * per position, log p and p of both models, log m with m = (p + q) / 2, then seven sums over the vocabulary. A
 * row's normalizer and argmax are {@link HostLogits}'s, the same code greedy decoding uses on a CPU.
 *
 * <p>Why: at batch 16 a scoring chunk is ~80 positions x 50257 logits per model; torch makes a fresh 16 MB array for
 * every intermediate and reads it again (memory-bound, ~1.5 ms each), so the scoring pass cost 16-18% of a scored
 * speculative run on gpt-neo-125M shapes. Here each logit is read once from the model's output and every
 * intermediate lives in registers.
 *
 * <p>Reproducible: exp and log are {@link ExactMath}'s (inlined by hand in the loops), and lane sums are added in
 * lane order, so every operation gives the same float in every execution mode: with the Vector API's own EXP / LOG
 * and {@code reduceLanes}, rows depended on when the JIT got to them, and a cluster's executors and local mode wrote
 * different last bits.
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
            float[] a = new float[vocab];
            float[] b = new float[vocab];
            double[] sums = new double[7];
            for (int r = rows * k / parts; r < rows * (k + 1) / parts; r++) {
                main[r].get(0, a);
                assistant[r].get(0, b);
                if (temperature != 1.0) {
                    for (int v = 0; v < vocab; v++) { // as torch's logits.div(t): one float division each
                        a[v] /= t;
                        b[v] /= t;
                    }
                }
                int tok = Math.toIntExact(tokens[r]);
                float[] np = knownP != null ? new float[] {knownP.max()[r], knownP.logSum()[r]} : HostLogits.normalizer(a);
                float[] nq = knownQ != null ? new float[] {knownQ.max()[r], knownQ.logSum()[r]} : HostLogits.normalizer(b);
                pTok[r] = Math.exp(((double) a[tok] - np[0]) - np[1]);
                qTok[r] = Math.exp(((double) b[tok] - nq[0]) - nq[1]);
                agrees[r] = tokensAreMainArgmax ? b[tok] == nq[0] : HostLogits.argmax(a) == HostLogits.argmax(b);
                sums(a, b, np[0], np[1], nq[0], nq[1], sums);
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

    /**
     * The seven sums of one position: alpha = sum min(p, q), sum (lp - lq) p, sum (lp - lq) q, sum (lp - lm) p,
     * sum (lq - lm) q, sum lp p, sum lq q.
     */
    private static void sums(float[] a, float[] b, float maxP, float lsP, float maxQ, float lsQ, double[] out) {
        java.util.Arrays.fill(out, 0);
        float sumP = (float) Math.exp(lsP);
        float sumQ = (float) Math.exp(lsQ);
        // exp / log constants, broadcast once (the loop below inlines exp and log by hand: a vector passed to a
        // method the JIT does not inline is boxed, and the loop ran 5-20x slower when that happened)
        FloatVector cLog2e = FloatVector.broadcast(S, ExactMath.LOG2E), cRound = FloatVector.broadcast(S, ExactMath.ROUND);
        FloatVector cMinusLn2Hi = FloatVector.broadcast(S, -ExactMath.LN2_HI), cMinusLn2Lo = FloatVector.broadcast(S, -ExactMath.LN2_LO);
        FloatVector cLn2Hi = FloatVector.broadcast(S, ExactMath.LN2_HI), cLn2Lo = FloatVector.broadcast(S, ExactMath.LN2_LO);
        FloatVector c5040 = FloatVector.broadcast(S, 1f / 5040), c720 = FloatVector.broadcast(S, 1f / 720);
        FloatVector c120 = FloatVector.broadcast(S, 1f / 120), c24 = FloatVector.broadcast(S, 1f / 24);
        FloatVector c6 = FloatVector.broadcast(S, 1f / 6), cHalf = FloatVector.broadcast(S, 0.5f), cOne = FloatVector.broadcast(S, 1f);
        FloatVector c17 = FloatVector.broadcast(S, 1f / 17), c15 = FloatVector.broadcast(S, 1f / 15);
        FloatVector c13 = FloatVector.broadcast(S, 1f / 13), c11 = FloatVector.broadcast(S, 1f / 11);
        FloatVector c9 = FloatVector.broadcast(S, 1f / 9), c7 = FloatVector.broadcast(S, 1f / 7);
        FloatVector c5 = FloatVector.broadcast(S, 1f / 5), c3 = FloatVector.broadcast(S, 1f / 3);
        FloatVector mp = FloatVector.broadcast(S, maxP);
        FloatVector mq = FloatVector.broadcast(S, maxQ);
        FloatVector zero = FloatVector.zero(S);
        FloatVector s0 = zero, s1 = zero, s2 = zero, s3 = zero, s4 = zero, s5 = zero, s6 = zero;
        float[] lanes = new float[7 * L];
        int v = 0;
        int bound = S.loopBound(a.length);
        for (int blockEnd = Math.min(bound, BLOCK); v < bound; blockEnd = Math.min(bound, blockEnd + BLOCK)) {
            for (; v < blockEnd; v += L) {
                FloatVector sp = FloatVector.fromArray(S, a, v).sub(mp);
                FloatVector sq = FloatVector.fromArray(S, b, v).sub(mq);
                FloatVector lp = sp.sub(lsP);
                FloatVector lq = sq.sub(lsQ);
                FloatVector ePX = sp.max(-FloatSoftmax.FLOOR);
                FloatVector ePK = ePX.fma(cLog2e, cRound);
                FloatVector ePKf = ePK.sub(ExactMath.ROUND);
                FloatVector ePR = ePKf.fma(cMinusLn2Hi, ePX);
                ePR = ePKf.fma(cMinusLn2Lo, ePR);
                FloatVector eP = ePR.fma(c5040, c720);
                eP = eP.fma(ePR, c120);
                eP = eP.fma(ePR, c24);
                eP = eP.fma(ePR, c6);
                eP = eP.fma(ePR, cHalf);
                eP = eP.fma(ePR, cOne);
                eP = eP.fma(ePR, cOne);
                eP = eP.mul(ePK.reinterpretAsInts().sub(ExactMath.ROUND_BITS - 127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats());
                FloatVector p = eP.div(sumP);
                FloatVector eQX = sq.max(-FloatSoftmax.FLOOR);
                FloatVector eQK = eQX.fma(cLog2e, cRound);
                FloatVector eQKf = eQK.sub(ExactMath.ROUND);
                FloatVector eQR = eQKf.fma(cMinusLn2Hi, eQX);
                eQR = eQKf.fma(cMinusLn2Lo, eQR);
                FloatVector eQ = eQR.fma(c5040, c720);
                eQ = eQ.fma(eQR, c120);
                eQ = eQ.fma(eQR, c24);
                eQ = eQ.fma(eQR, c6);
                eQ = eQ.fma(eQR, cHalf);
                eQ = eQ.fma(eQR, cOne);
                eQ = eQ.fma(eQR, cOne);
                eQ = eQ.mul(eQK.reinterpretAsInts().sub(ExactMath.ROUND_BITS - 127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats());
                FloatVector q = eQ.div(sumQ);
                IntVector lmBits = (p.add(q).mul(0.5f)).reinterpretAsInts();
                FloatVector lmE = lmBits.lanewise(VectorOperators.ASHR, 23).add(ExactMath.ROUND_BITS - 127).reinterpretAsFloats().sub(ExactMath.ROUND);
                FloatVector lmM = lmBits.and(0x007fffff).or(0x3f800000).reinterpretAsFloats();
                FloatVector lmT = lmM.sub(1f).div(lmM.add(1f));
                FloatVector lmT2 = lmT.mul(lmT);
                FloatVector lmS = lmT2.fma(c17, c15);
                lmS = lmS.fma(lmT2, c13);
                lmS = lmS.fma(lmT2, c11);
                lmS = lmS.fma(lmT2, c9);
                lmS = lmS.fma(lmT2, c7);
                lmS = lmS.fma(lmT2, c5);
                lmS = lmS.fma(lmT2, c3);
                lmS = lmS.fma(lmT2, cOne);
                FloatVector lm = lmE.fma(cLn2Hi, lmE.fma(cLn2Lo, lmT.mul(2f).mul(lmS)));
                FloatVector d = lp.sub(lq);
                s0 = s0.add(p.min(q));
                s1 = s1.add(d.mul(p));
                s2 = s2.add(d.mul(q));
                s3 = s3.add(lp.sub(lm).mul(p));
                s4 = s4.add(lq.sub(lm).mul(q));
                s5 = s5.add(lp.mul(p));
                s6 = s6.add(lq.mul(q));
            }
            // Each sum's lanes added in lane order (reduceLanes's order differs between execution modes), written out
            // here: C2 stops inlining this method's calls at its node budget, and a call that takes a vector boxes it.
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
            s0 = zero;
            s1 = zero;
            s2 = zero;
            s3 = zero;
            s4 = zero;
            s5 = zero;
            s6 = zero;
        }
        for (; v < a.length; v++) { // the tail, one logit at a time with the same float operations
            float sp = a[v] - maxP;
            float sq = b[v] - maxQ;
            float lp = sp - lsP;
            float lq = sq - lsQ;
            float p = ExactMath.exp(Math.max(sp, -FloatSoftmax.FLOOR)) / sumP;
            float q = ExactMath.exp(Math.max(sq, -FloatSoftmax.FLOOR)) / sumQ;
            float lm = ExactMath.log((p + q) * 0.5f);
            float d = lp - lq;
            out[0] += Math.min(p, q);
            out[1] += d * p;
            out[2] += d * q;
            out[3] += (lp - lm) * p;
            out[4] += (lq - lm) * q;
            out[5] += lp * p;
            out[6] += lq * q;
        }
    }
}
