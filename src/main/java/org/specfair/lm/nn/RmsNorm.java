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
        DataType in = x.getDataType();
        NDArray x32 = in == DataType.FLOAT32 ? x : x.toType(DataType.FLOAT32, false);
        NDArray normed = x32.div(x32.square().mean(new int[] {-1}, true).add(eps).sqrt());
        return (in == DataType.FLOAT32 ? normed : normed.toType(in, false)).mul(weight);
    }
}
