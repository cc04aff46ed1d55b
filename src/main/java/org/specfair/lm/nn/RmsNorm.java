package org.specfair.lm.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/**
 * LLaMA's RMSNorm, computed in float32 as Hugging Face does: x / sqrt(mean(x^2) + eps) * w.
 * The activation comes first in every op: DJL puts an op's result in its receiver's manager, so
 * {@code weight.mul(x)} would leave each pass's activations in the weights' long-lived manager.
 */
public record RmsNorm(NDArray weight, float eps) {
    public NDArray apply(NDArray x) {
        if (Casts.underGradient(x)) {
            return halfUnderGradient(x);
        }
        DataType in = x.getDataType();
        NDArray x32 = in == DataType.FLOAT32 ? x : x.toType(DataType.FLOAT32, false);
        NDArray normed = x32.div(x32.square().mean(new int[] {-1}, true).add(eps).sqrt());
        return (in == DataType.FLOAT32 ? normed : normed.toType(in, false)).mul(weight);
    }

    /**
     * The same function in the model's half dtype, for training (no float32 round trip: {@link Casts}). x^2 would
     * overflow float16 beyond |x| = 256, so x is first divided by a per-row constant s = max(1, max|x|) (detached):
     * x / sqrt(mean(x^2) + eps) = (x/s) / sqrt(mean((x/s)^2) + eps/s^2) exactly, and the gradient is unchanged
     * because the value does not depend on s.
     */
    private NDArray halfUnderGradient(NDArray x) {
        NDArray s = x.abs().max(new int[] {-1}, true).stopGradient().maximum(1f);
        NDArray xs = x.div(s);
        NDArray epsOverS2 = s.square().pow(-1).mul(eps);
        return xs.div(xs.square().mean(new int[] {-1}, true).add(epsOverS2).sqrt()).mul(weight);
    }
}
