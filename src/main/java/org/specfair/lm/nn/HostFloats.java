package org.specfair.lm.nn;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Float32 CPU arrays to and from Java, for the engine's Java kernels (packed products, the row path, the greedy
 * picks, the divergence metrics): when they apply, and the two copies they make.
 */
public final class HostFloats {
    private HostFloats() {}

    /**
     * Whether Java kernels take {@code x}: on the CPU, float32, and a JVM that compiles Vector API code (the module
     * present and C2; interpreted, those loops crawl). Configuration only, never a timing: every executor of a job
     * must make the same choice, since the kernels and torch round differently.
     */
    public static boolean javaKernels(NDArray x) {
        return x.getDevice().getDeviceType().equals(Device.Type.CPU) && x.getDataType() == DataType.FLOAT32
                && PackedMatrix.available() && PackedMatrix.warmUp();
    }

    /**
     * {@code x}'s values in row-major order, in one copy ({@code toFloatArray} makes two), into the first
     * {@code x.size()} floats of {@code into} (which may be longer: a reused array, {@link ReusedFloats}).
     */
    public static float[] copyOut(NDArray x, float[] into) {
        x.toByteBuffer(true).asFloatBuffer().get(into, 0, Math.toIntExact(x.size()));
        return into;
    }

    /**
     * A float32 array of {@code shape} in {@code scope} holding {@code values}, allocated by torch (which so owns it)
     * and filled through a view of its memory. DJL's {@code create(float[])} would wrap the data with {@code from_blob}
     * over a buffer that only that first array object keeps alive, and a view kept past the pass (a split, a slice of
     * the logits) would then read freed memory after a GC. The values are the first {@code length} of {@code values}.
     */
    public static NDArray copyIn(NDManager scope, Shape shape, float[] values, int length) {
        NDArray result = scope.create(shape, DataType.FLOAT32);
        result.toByteBuffer(true).asFloatBuffer().put(values, 0, length);
        return result;
    }
}
