package org.specfair.lm.nn;

import ai.djl.ndarray.NDArray;

/**
 * A tensor times (or divided by) a number, safe in a pass that will be differentiated.
 *
 * <p>DJL's {@code x.mul(number)} wraps the number in a 0-d array over a Java direct buffer and closes that
 * array right after the op. Autograd keeps it for the backward pass (d(x c)/dx = c), but once the closed
 * array is garbage-collected its buffer is freed, and the backward pass reads whatever was allocated there
 * since: gradients that depend on when the JVM collected garbage (under load: now and then a different
 * model after the same training run; issue 12). Here the number's array belongs to {@code x}'s manager (a
 * training step's scope, an inference call's scope) and lives until that manager closes, after the backward
 * pass. The values are DJL's own: the same 0-d array, the same op. Adding or subtracting a number needs none
 * of this: autograd keeps nothing of the number for those.
 */
public final class Scalar {
    private Scalar() {}

    /** {@code x * c}. */
    public static NDArray times(NDArray x, double c) {
        return x.mul(x.getManager().create(c));
    }

    /** {@code x / c}. */
    public static NDArray dividedBy(NDArray x, double c) {
        return x.div(x.getManager().create(c));
    }
}
