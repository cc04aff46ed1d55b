package org.specfair.lm.nn;

import ai.djl.ndarray.NDArray;

/** MLP activations by their Hugging Face config names. */
public final class Activations {
    private static final double SQRT_2_OVER_PI = Math.sqrt(2.0 / Math.PI);

    private Activations() {}

    public static NDArray apply(String name, NDArray x) {
        return switch (name) {
            // GPT-2 / GPT-Neo's "gelu_new" is the tanh approximation; torch's default gelu is the erf form.
            case "gelu_new", "gelu_pytorch_tanh", "gelu_fast" -> geluTanh(x);
            case "gelu" -> ai.djl.nn.Activation.gelu(x);
            case "silu", "swish" -> x.mul(ai.djl.nn.Activation.sigmoid(x));
            case "relu" -> ai.djl.nn.Activation.relu(x);
            default -> throw new IllegalArgumentException("unsupported activation_function '" + name + "'");
        };
    }

    /**
     * 0.5 x (1 + tanh(z)) with z = sqrt(2/pi) (x + 0.044715 x^3), computed as x sigmoid(2z)
     * (the same function: 0.5 (1 + tanh(z)) = sigmoid(2z)) in five ops instead of eight. The product with a
     * number goes through {@link Scalar} (finetuning differentiates it); adding a number keeps nothing for backward.
     */
    static NDArray geluTanh(NDArray x) {
        double c = 2 * SQRT_2_OVER_PI;
        NDArray twoZ = Scalar.times(x.square(), c * 0.044715).add(c).mul(x);   // 2z = x (c + c 0.044715 x^2)
        return x.mul(ai.djl.nn.Activation.sigmoid(twoZ));
    }
}
