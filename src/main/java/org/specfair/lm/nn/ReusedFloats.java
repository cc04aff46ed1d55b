package org.specfair.lm.nn;

import java.lang.ref.SoftReference;

/**
 * A float array per thread, reused from pass to pass: where the CPU engine's Java kernels put a product's input or
 * output, a layer's intermediate results, or a pass's logits before torch gets a copy.
 *
 * <p>Why not fresh arrays: a pass's large arrays are G1 "humongous" objects (at least half a heap region: 0.5-16 MB
 * by heap size), which G1 allocates straight in the old generation. A 5-token verify pass's logits are 1 MB
 * (5 x 50257 floats), a batch-16 one's 16 MB, a 256-token prefill's MLP activations 3 MB per layer. With ~0.8 GB of
 * packed weights live there (gpt-neo-125M and its assistant), that steady old-generation allocation made G1's
 * adaptive threshold start a concurrent marking cycle at nearly every pass in some JVMs: 615 cycles in one 75 s
 * `jobs/bench decode`, whose batch-16 decoding then ran at 356 tokens/s against 617 in a JVM without them. Reused
 * arrays allocate nothing once they have grown to a job's largest pass.
 *
 * <p>An array may be longer than asked for, and holds whatever the thread last wrote: users pass explicit lengths.
 * It is valid until the same thread takes the same {@code ReusedFloats} again. Soft references: the JVM may take an
 * array back when memory runs short; the next pass makes a new one.
 */
public final class ReusedFloats {
    private final ThreadLocal<SoftReference<float[]>> perThread = new ThreadLocal<>();

    /** This thread's array of at least {@code length} floats (contents undefined). */
    public float[] take(int length) {
        SoftReference<float[]> ref = perThread.get();
        float[] array = ref == null ? null : ref.get();
        if (array == null || array.length < length) {
            array = new float[length];
            perThread.set(new SoftReference<>(array));
        }
        return array;
    }
}
