package org.specfair.lm.nn;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * exp, log and lane sums that give the same float in every execution mode (interpreted, C1, C2), for Java kernels
 * whose rows must not depend on when the JIT got to them. They are built from IEEE add, multiply, fused
 * multiply-add and integer bit operations only: the Vector API's own EXP / LOG (SVML stubs once C2 has compiled a
 * loop, a different routine before) and its {@code reduceLanes} order differ between interpreted and compiled code.
 * Hot loops may inline these steps by hand with the constants below (a vector passed to a method that is not
 * inlined is boxed); they must then follow them exactly.
 */
public final class ExactMath {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private ExactMath() {}

    public static final float LOG2E = 1.44269504088896341f;
    /** ln 2 split so that k * LN2_HI is exact for the k used here. */
    public static final float LN2_HI = 0.693359375f;
    public static final float LN2_LO = -2.12194440e-4f;
    /** 1.5 * 2^23: adding then subtracting it rounds a float of magnitude < 2^22 to the nearest integer. */
    public static final float ROUND = 12582912f;
    public static final int ROUND_BITS = Float.floatToRawIntBits(ROUND);

    /**
     * e^x for x in [-87, 0] (all this class needs): x = k ln2 + r with |r| <= ln2 / 2, e^r by its Taylor polynomial
     * of degree 7 (truncation below 1e-8 relative), 2^k from the exponent bits.
     */
    public static FloatVector exp(FloatVector x) {
        FloatVector kRound = x.fma(b(LOG2E), b(ROUND)); // k in the low mantissa bits: ROUND's bits + k
        FloatVector k = kRound.sub(ROUND);
        FloatVector r = k.fma(b(-LN2_HI), x);
        r = k.fma(b(-LN2_LO), r);
        FloatVector e = r.fma(b(1f / 5040), b(1f / 720));
        e = e.fma(r, b(1f / 120));
        e = e.fma(r, b(1f / 24));
        e = e.fma(r, b(1f / 6));
        e = e.fma(r, b(0.5f));
        e = e.fma(r, b(1f));
        e = e.fma(r, b(1f));
        // 2^k from the exponent bits, k read from kRound's bits (JDK 17's F2I convert is 3x slower than this)
        IntVector biased = kRound.reinterpretAsInts().sub(ROUND_BITS - 127);
        return e.mul(biased.lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats());
    }

    private static FloatVector b(float c) {
        return FloatVector.broadcast(S, c);
    }

    /** The same steps on one float (the vector's tail): the same result as a lane. */
    public static float exp(float x) {
        float k = Math.fma(x, LOG2E, ROUND) - ROUND;
        float r = Math.fma(k, -LN2_HI, x);
        r = Math.fma(k, -LN2_LO, r);
        float e = Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(r, 1f / 5040, 1f / 720), r, 1f / 120),
                r, 1f / 24), r, 1f / 6), r, 0.5f), r, 1f), r, 1f);
        return e * Float.intBitsToFloat(((int) k + 127) << 23);
    }

    /**
     * log y for a positive normal y: y = 2^e m with m in [1, 2), log m = 2 atanh(t) with t = (m - 1) / (m + 1),
     * 0 <= t < 1/3, by its series to t^17 (truncation below 1e-9). No compare-and-blend to centre m on 1: JDK 17
     * runs masked blends 5x slower than the rest, and four more terms cost less.
     */
    public static FloatVector log(FloatVector y) {
        IntVector bits = y.reinterpretAsInts();
        // the exponent as a float without JDK 17's slow I2F convert: (e + ROUND's bits) read as a float, minus ROUND
        FloatVector e = bits.lanewise(VectorOperators.ASHR, 23).add(ROUND_BITS - 127).reinterpretAsFloats().sub(ROUND);
        FloatVector m = bits.and(0x007fffff).or(0x3f800000).reinterpretAsFloats();
        FloatVector t = m.sub(1f).div(m.add(1f));
        FloatVector t2 = t.mul(t);
        FloatVector series = t2.fma(b(1f / 17), b(1f / 15));
        series = series.fma(t2, b(1f / 13));
        series = series.fma(t2, b(1f / 11));
        series = series.fma(t2, b(1f / 9));
        series = series.fma(t2, b(1f / 7));
        series = series.fma(t2, b(1f / 5));
        series = series.fma(t2, b(1f / 3));
        series = series.fma(t2, b(1f));
        return e.fma(b(LN2_HI), e.fma(b(LN2_LO), t.mul(2f).mul(series)));
    }

    /** The same steps on one float. */
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
