package org.specfair.lm.nn;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * exp and log that give the same float in every execution mode (interpreted, C1, C2), for Java kernels whose rows
 * must not depend on when the JIT got to them. They are built from IEEE add, multiply, fused multiply-add and integer
 * bit operations only: the Vector API's own EXP / LOG (SVML stubs once C2 has compiled a loop, a different routine
 * before) differ between interpreted and compiled code. A lane of the vector loop and the scalar form give the same
 * bits, so where a range splits into vectors and a tail does not matter.
 *
 * <p>The vector forms work on arrays in place, and no method here takes or returns a vector: C2 turns Vector API
 * calls into vector instructions only where it inlines them into the loop, and a vector that crosses a call C2 did
 * not inline is boxed on the heap. That happened at random from one JVM to the next: JFR caught the GPT-2 / GPT-Neo MLP's gelu calling
 * a vector {@code exp(FloatVector)} that ran boxed all run (250 MB of vectors per batch-16 decode run). Loops over
 * arrays also keep each compiled unit small: the scoring kernel's single loop with exp and log inlined by hand had C2
 * inline 6,000-7,000 bytes of bytecode into it, near C2's 8,000-byte DesiredMethodLimit, past which it inlines the
 * Vector API's calls late, under a node budget, and boxes the vectors of any it drops; its pieces now take 600-2,200.
 */
public final class ExactMath {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    private ExactMath() {}

    private static final float LOG2E = 1.44269504088896341f;
    /** ln 2 split so that k * LN2_HI is exact for the k used here. */
    private static final float LN2_HI = 0.693359375f;
    private static final float LN2_LO = -2.12194440e-4f;
    /** 1.5 * 2^23: adding then subtracting it rounds a float of magnitude < 2^22 to the nearest integer. */
    private static final float ROUND = 12582912f;
    private static final int ROUND_BITS = Float.floatToRawIntBits(ROUND);

    /**
     * {@code v[i] = e^v[i]} for {@code from <= i < to}, each {@code v[i]} in [-87, 0] (all the callers need): x = k ln2
     * + r with |r| <= ln2 / 2, e^r by its Taylor polynomial of degree 7 (truncation below 1e-8 relative), 2^k from
     * the exponent bits.
     */
    public static void expInPlace(float[] v, int from, int to) {
        FloatVector log2e = FloatVector.broadcast(S, LOG2E), round = FloatVector.broadcast(S, ROUND);
        FloatVector minusLn2Hi = FloatVector.broadcast(S, -LN2_HI), minusLn2Lo = FloatVector.broadcast(S, -LN2_LO);
        FloatVector c5040 = FloatVector.broadcast(S, 1f / 5040), c720 = FloatVector.broadcast(S, 1f / 720);
        FloatVector c120 = FloatVector.broadcast(S, 1f / 120), c24 = FloatVector.broadcast(S, 1f / 24);
        FloatVector c6 = FloatVector.broadcast(S, 1f / 6), half = FloatVector.broadcast(S, 0.5f);
        FloatVector one = FloatVector.broadcast(S, 1f);
        int i = from;
        for (; i + L <= to; i += L) {
            FloatVector x = FloatVector.fromArray(S, v, i);
            FloatVector kRound = x.fma(log2e, round); // k in the low mantissa bits: ROUND's bits + k
            FloatVector k = kRound.sub(ROUND);
            FloatVector r = k.fma(minusLn2Hi, x);
            r = k.fma(minusLn2Lo, r);
            FloatVector e = r.fma(c5040, c720);
            e = e.fma(r, c120);
            e = e.fma(r, c24);
            e = e.fma(r, c6);
            e = e.fma(r, half);
            e = e.fma(r, one);
            e = e.fma(r, one);
            // 2^k from the exponent bits, k read from kRound's bits (JDK 17's F2I convert is 3x slower than this)
            IntVector biased = kRound.reinterpretAsInts().sub(ROUND_BITS - 127);
            e.mul(biased.lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats()).intoArray(v, i);
        }
        for (; i < to; i++) {
            v[i] = exp(v[i]);
        }
    }

    /** {@link #expInPlace}'s steps on one float: the same result as a lane. */
    public static float exp(float x) {
        float k = Math.fma(x, LOG2E, ROUND) - ROUND;
        float r = Math.fma(k, -LN2_HI, x);
        r = Math.fma(k, -LN2_LO, r);
        float e = Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(r, 1f / 5040, 1f / 720), r, 1f / 120),
                r, 1f / 24), r, 1f / 6), r, 0.5f), r, 1f), r, 1f);
        return e * Float.intBitsToFloat(((int) k + 127) << 23);
    }

    /**
     * {@code v[i] = log v[i]} for {@code from <= i < to}, each a positive normal float: y = 2^e m with m in [1, 2),
     * log m = 2 atanh(t) with t = (m - 1) / (m + 1), 0 <= t < 1/3, by its series to t^17 (truncation below 1e-9). No
     * compare-and-blend to centre m on 1: JDK 17 runs masked blends 5x slower than the rest, and four more terms cost
     * less.
     */
    public static void logInPlace(float[] v, int from, int to) {
        FloatVector c17 = FloatVector.broadcast(S, 1f / 17), c15 = FloatVector.broadcast(S, 1f / 15);
        FloatVector c13 = FloatVector.broadcast(S, 1f / 13), c11 = FloatVector.broadcast(S, 1f / 11);
        FloatVector c9 = FloatVector.broadcast(S, 1f / 9), c7 = FloatVector.broadcast(S, 1f / 7);
        FloatVector c5 = FloatVector.broadcast(S, 1f / 5), c3 = FloatVector.broadcast(S, 1f / 3);
        FloatVector one = FloatVector.broadcast(S, 1f);
        FloatVector ln2Hi = FloatVector.broadcast(S, LN2_HI), ln2Lo = FloatVector.broadcast(S, LN2_LO);
        int i = from;
        for (; i + L <= to; i += L) {
            IntVector bits = FloatVector.fromArray(S, v, i).reinterpretAsInts();
            // the exponent as a float without JDK 17's slow I2F convert: (e + ROUND's bits) read as a float, minus ROUND
            FloatVector e = bits.lanewise(VectorOperators.ASHR, 23).add(ROUND_BITS - 127).reinterpretAsFloats().sub(ROUND);
            FloatVector m = bits.and(0x007fffff).or(0x3f800000).reinterpretAsFloats();
            FloatVector t = m.sub(1f).div(m.add(1f));
            FloatVector t2 = t.mul(t);
            FloatVector series = t2.fma(c17, c15);
            series = series.fma(t2, c13);
            series = series.fma(t2, c11);
            series = series.fma(t2, c9);
            series = series.fma(t2, c7);
            series = series.fma(t2, c5);
            series = series.fma(t2, c3);
            series = series.fma(t2, one);
            e.fma(ln2Hi, e.fma(ln2Lo, t.mul(2f).mul(series))).intoArray(v, i);
        }
        for (; i < to; i++) {
            v[i] = log(v[i]);
        }
    }

    /** {@link #logInPlace}'s steps on one float: the same result as a lane. */
    public static float log(float y) {
        int bits = Float.floatToRawIntBits(y);
        float e = (bits >> 23) - 127;
        float m = Float.intBitsToFloat((bits & 0x007fffff) | 0x3f800000);
        float t = (m - 1f) / (m + 1f);
        float t2 = t * t;
        float series = Math.fma(t2, 1f / 17, 1f / 15);
        series = Math.fma(series, t2, 1f / 13);
        series = Math.fma(series, t2, 1f / 11);
        series = Math.fma(series, t2, 1f / 9);
        series = Math.fma(series, t2, 1f / 7);
        series = Math.fma(series, t2, 1f / 5);
        series = Math.fma(series, t2, 1f / 3);
        series = Math.fma(series, t2, 1f);
        return Math.fma(e, LN2_HI, Math.fma(e, LN2_LO, t * 2f * series));
    }
}
