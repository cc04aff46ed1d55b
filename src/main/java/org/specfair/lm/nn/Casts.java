package org.specfair.lm.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Dtype casts inside a forward pass that may run under a gradient (half-precision finetuning).
 * DJL 0.36's {@code toType} runs under {@code torch.no_grad}: it cuts the autograd graph. So under a gradient
 * an up-cast to float32 is done by type promotion instead ({@code x * float32 one}: exact, and its backward
 * casts the gradient back), and a down-cast is not possible at all; half-precision training therefore keeps
 * activations in the model's dtype where inference would compute in float32 (attention scores, RMSNorm).
 */
public final class Casts {
    private Casts() {}

    /**
     * Whether {@code x} is half precision and a gradient collector is recording (a cast by {@code toType} would
     * cut the graph). Asks PyTorch's grad mode: DJL's {@code hasGradient()} is false on non-leaf results.
     */
    public static boolean underGradient(NDArray x) {
        return x.getDataType() != DataType.FLOAT32 && JniUtils.isGradMode();
    }

    /** {@code x} as float32; differentiable under a gradient, the same values either way (half -> float32 is exact). */
    public static NDArray toFloat32(NDArray x) {
        if (x.getDataType() == DataType.FLOAT32) {
            return x;
        }
        if (JniUtils.isGradMode()) {
            return x.mul(x.getManager().ones(new Shape(1), DataType.FLOAT32)); // promotion: half * float32 -> float32
        }
        return x.toType(DataType.FLOAT32, false);
    }
}
