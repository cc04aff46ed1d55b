package org.specfair.lm.nn;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * ExactMath's exp and log: exp to a few ulps, log to a few ulps or 2e-7 absolute (what the sums need), and the scalar form (a row's tail) gives exactly a lane's
 * result. Both are built from IEEE operations only, which is what makes scoring rows (DivergenceKernel) and attention rows the
 * same whether the JIT has compiled a kernel yet or not (checked by hand with -Xint, C1 only and C2: identical bits).
 */
class ExactMathTest {
    @Test
    void expAndLogAreAccurateAndTheScalarFormEqualsALane() {
        SplittableRandom rnd = new SplittableRandom(9);
        int n = FloatVector.SPECIES_PREFERRED.length();
        for (int round = 0; round < 2000; round++) {
            float[] x = new float[n];
            float[] y = new float[n];
            for (int i = 0; i < n; i++) {
                x[i] = (float) rnd.nextDouble(-87, 0);
                y[i] = (float) Math.exp(rnd.nextDouble(-70, 0.69));
            }
            float[] ex = x.clone();
            float[] ly = y.clone();
            ExactMath.expInPlace(ex, 0, n); // one vector, no tail
            ExactMath.logInPlace(ly, 0, n);
            for (int i = 0; i < n; i++) {
                assertEquals(Math.exp(x[i]), ex[i], 4 * Math.ulp((float) Math.exp(x[i])), "exp " + x[i]);
                assertEquals(Math.log(y[i]), ly[i], 4 * Math.ulp((float) Math.log(y[i])) + 2e-7, "log " + y[i]); // absolute near 1: e ln2 and log m cancel
                assertEquals(Float.floatToIntBits(ex[i]), Float.floatToIntBits(ExactMath.exp(x[i])), "scalar exp " + x[i]);
                assertEquals(Float.floatToIntBits(ly[i]), Float.floatToIntBits(ExactMath.log(y[i])), "scalar log " + y[i]);
            }
        }
    }
}
