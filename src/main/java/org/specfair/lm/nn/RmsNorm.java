package org.specfair.lm.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/** LLaMA's RMSNorm, computed in float32 as Hugging Face does: x / sqrt(mean(x^2) + eps) * w. */
public record RmsNorm(NDArray weight, float eps) {
    public NDArray apply(NDArray x) {
        DataType in = x.getDataType();
        NDArray x32 = in == DataType.FLOAT32 ? x : x.toType(DataType.FLOAT32, false);
        NDArray normed = x32.div(x32.square().mean(new int[] {-1}, true).add(eps).sqrt());
        return weight.mul(in == DataType.FLOAT32 ? normed : normed.toType(in, false));
    }
}
