package org.specfair.lm.nn;

import ai.djl.ndarray.NDArray;

/** y = x W^T + b with W stored {@code [out, in]} (nn.Linear's layout; Conv1D weights are transposed at load). */
public record Linear(NDArray weight, NDArray bias) {
    public NDArray apply(NDArray x) {
        return bias == null
                ? ai.djl.nn.core.Linear.linear(x, weight).singletonOrThrow()
                : ai.djl.nn.core.Linear.linear(x, weight, bias).singletonOrThrow();
    }
}
