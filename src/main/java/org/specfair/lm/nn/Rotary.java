package org.specfair.lm.nn;

import org.specfair.lm.ForwardBatch;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Rotary position embedding in Hugging Face's rotate-half convention:
 * x * cos + rotate_half(x) * sin, where rotate_half(x) = cat(-x2, x1) over the two halves of the
 * head dimension and the angle of pair i at position p is p * invFreq[i] (theta^(-2i/hd), changed by
 * rope_scaling where the config has it: {@link org.specfair.checkpoint.RopeScaling}). Angles are computed
 * on the host in double precision for this pass's positions only.
 */
public final class Rotary {
    private final NDArray cos;
    private final NDArray sin;
    private final long half;

    public Rotary(ForwardBatch b, int headDim, double[] invFreq, DataType dtype) {
        half = headDim / 2;
        float[] c = new float[b.rows * b.width * headDim];
        float[] s = new float[c.length];
        for (int r = 0; r < b.rows; r++) {
            for (int j = 0; j < b.width; j++) {
                int p = Math.max(0, b.queryPos[r][j]);
                int base = (r * b.width + j) * headDim;
                for (int i = 0; i < half; i++) {
                    double angle = p * invFreq[i];
                    c[base + i] = c[base + i + (int) half] = (float) Math.cos(angle);
                    s[base + i] = s[base + i + (int) half] = (float) Math.sin(angle);
                }
            }
        }
        Shape shape = new Shape(b.rows, 1, b.width, headDim); // broadcast over heads
        NDArray cos32 = b.scope.create(c, shape);
        NDArray sin32 = b.scope.create(s, shape);
        this.cos = dtype == DataType.FLOAT32 ? cos32 : cos32.toType(dtype, false);
        this.sin = dtype == DataType.FLOAT32 ? sin32 : sin32.toType(dtype, false);
    }

    /** x: {@code (B, H, T, hd)}. */
    public NDArray apply(NDArray x) {
        NDList halves = x.split(2, 3);
        NDArray rotated = NDArrays.concat(new NDList(halves.get(1).neg(), halves.get(0)), 3);
        return x.mul(cos).add(rotated.mul(sin));
    }
}
