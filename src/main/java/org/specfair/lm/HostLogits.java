package org.specfair.lm;

import org.specfair.lm.nn.ExactMath;
import org.specfair.lm.nn.HostFloats;
import org.specfair.lm.nn.ReusedFloats;

import ai.djl.ndarray.NDArray;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.nio.FloatBuffer;

/**
 * Per row of CPU float32 logits {@code [..., V]}: the argmax (first maximal index, as torch's argmax) and the softmax
 * normalizer exactly as {@link FloatSoftmax#normalizer} defines it (max, logSum = log sum exp(max(z - max, -FLOOR))),
 * computed in Java from one host view of the logits.
 *
 * <p>Why: greedy decoding needs these numbers for every row it decodes. Through torch they cost an argMax plus six
 * passes over {@code [B, V]} (max, maximum, sub, exp, sum, log), each writing a fresh array: most of the 6-7% of a
 * speculative run (gpt-neo-125M shapes, batch 1, CPU) spent outside the forward passes. Here each row is copied once
 * from the model's output into a row buffer that stays in cache, then read by short Vector API loops (max; the
 * floored exps, in place in a second buffer, and their sum) and a scan for the first maximal index: ~30 us a row
 * against torch's ~150-290 us for one row.
 *
 * <p>Reproducible, as {@code decode/DivergenceKernel} (which uses {@link #normalizer(float[])} too): rows are
 * computed one at a time, exp is {@link ExactMath}'s, partial sums are float per lane over blocks of
 * {@link #BLOCK} logits added in lane order into a double, so a row gets the same bits whatever its batch, its
 * position in it and the JIT's state (checked by hand with -Xint, C1 only and C2: identical bits). Against torch: max
 * and argmax are identical, logSum agrees within float32 rounding (HostLogitsTest).
 */
public final class HostLogits {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    /** Logits per block whose per-lane float partial sums are then added in double (DivergenceKernel's choice). */
    private static final int BLOCK = 128;

    /** A row's exps, per thread. */
    private static final ReusedFloats EXPS = new ReusedFloats();

    private static volatile boolean enabled = true;

    private HostLogits() {}

    /**
     * Per row: the first maximal index, the normalizer, and the logit at the requested index ({@code picked}; null
     * when none was requested).
     */
    public record Rows(int[] argmax, FloatSoftmax.HostNormalizer normalizer, float[] picked) {}

    /** Whether CPU float32 logits take this path (default on; tests and benchmarks compare it with torch's ops). */
    public static void use(boolean on) {
        enabled = on;
    }

    /**
     * Whether {@link #of} is the path for these logits: CPU, float32, and a JVM whose Vector API code is compiled
     * (the same configuration-only condition as the packed products; interpreted, these loops crawl).
     */
    public static boolean applies(NDArray logits) {
        return enabled && HostFloats.javaKernels(logits);
    }

    /**
     * @param logits {@code [..., V]} float32 on the CPU; rows are all leading dimensions, in row-major order
     * @param pick   per row, the vocabulary index whose logit to return in {@link Rows#picked()}, or null for none
     */
    public static Rows of(NDArray logits, int[] pick) {
        int vocab = Math.toIntExact(logits.getShape().tail());
        int rows = Math.toIntExact(logits.size() / vocab);
        return of(logits.toByteBuffer(true).asFloatBuffer(), rows, vocab, pick);
    }

    static Rows of(FloatBuffer logits, int rows, int vocab, int[] pick) {
        if (pick != null && pick.length != rows) {
            throw new IllegalArgumentException(pick.length + " picked indices for " + rows + " rows");
        }
        float[] z = new float[vocab];
        int[] argmax = new int[rows];
        float[] max = new float[rows];
        float[] logSum = new float[rows];
        float[] picked = pick == null ? null : new float[rows];
        for (int r = 0; r < rows; r++) {
            logits.get(r * vocab, z);
            float[] n = normalizer(z);
            max[r] = n[0];
            logSum[r] = n[1];
            argmax[r] = argmax(z, vocab, n[0]);
            if (picked != null) {
                picked[r] = z[pick[r]];
            }
        }
        return new Rows(argmax, new FloatSoftmax.HostNormalizer(max, logSum), picked);
    }

    /**
     * {max, logSum} of a row, as {@link FloatSoftmax#normalizer}: logSum = log sum exp(max(z - max, -FLOOR)). A row
     * with a NaN, or all -inf, gets NaN (as torch gives).
     */
    public static float[] normalizer(float[] z) {
        return normalizer(z, z.length);
    }

    /** {@link #normalizer(float[])} of the row's first {@code n} floats (a reused row buffer may be longer). */
    public static float[] normalizer(float[] z, int n) {
        float max = max(z, n);
        if (Float.isNaN(max) || max == Float.NEGATIVE_INFINITY) {
            return new float[] {max, Float.NaN};
        }
        float[] e = EXPS.take(n);
        flooredExps(z, n, max, e);
        float[] lanes = new float[L];
        double sum = 0;
        int bound = S.loopBound(n);
        int v = 0;
        for (int blockEnd = Math.min(bound, BLOCK); v < bound; blockEnd = Math.min(bound, blockEnd + BLOCK)) {
            FloatVector acc = FloatVector.zero(S);
            for (; v < blockEnd; v += L) {
                acc = acc.add(FloatVector.fromArray(S, e, v));
            }
            // the block's lanes added in lane order (reduceLanes's order differs between interpreted and compiled code)
            acc.intoArray(lanes, 0);
            float blockSum = 0f;
            for (float lane : lanes) {
                blockSum += lane;
            }
            sum += blockSum;
        }
        for (; v < n; v++) {
            sum += e[v];
        }
        return new float[] {max, (float) Math.log((float) sum)};
    }

    /**
     * {@code out[v] = exp(max(z[v] - max, -FLOOR))} for {@code v < n}: the terms {@link #normalizer} sums and the
     * scoring kernel divides by their sum. The arguments go into {@code out}, then exp runs in place there
     * ({@link ExactMath} works on arrays: a vector passed to a method the JIT does not inline is boxed).
     */
    public static void flooredExps(float[] z, int n, float max, float[] out) {
        FloatVector mv = FloatVector.broadcast(S, max);
        int bound = S.loopBound(n);
        int v = 0;
        for (; v < bound; v += L) {
            FloatVector.fromArray(S, z, v).sub(mv).max(-FloatSoftmax.FLOOR).intoArray(out, v);
        }
        for (; v < n; v++) {
            out[v] = Math.max(z[v] - max, -FloatSoftmax.FLOOR);
        }
        ExactMath.expInPlace(out, 0, n);
    }

    /** The row's maximum (NaN if it has a NaN: Math.max's rule, lane by lane; max is exact, so lane order is free). */
    static float max(float[] z, int n) {
        FloatVector acc = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        int v = 0;
        for (int bound = S.loopBound(n); v < bound; v += L) {
            acc = acc.max(FloatVector.fromArray(S, z, v));
        }
        float[] lanes = new float[L];
        acc.intoArray(lanes, 0);
        float max = Float.NEGATIVE_INFINITY;
        for (float lane : lanes) {
            max = Math.max(max, lane);
        }
        for (; v < n; v++) {
            max = Math.max(max, z[v]);
        }
        return max;
    }

    /** The first index of the row's maximum (torch's argmax). */
    public static int argmax(float[] z) {
        return argmax(z, z.length);
    }

    /** The first index of the maximum of the row's first {@code n} floats. */
    public static int argmax(float[] z, int n) {
        return argmax(z, n, max(z, n));
    }

    /**
     * The first index of {@code max} in the row (torch's argmax: ties go to the first); for a row with a NaN
     * ({@code max} NaN), the first NaN, as torch, which treats NaN as the largest value.
     */
    public static int argmax(float[] z, int n, float max) {
        if (Float.isNaN(max)) {
            for (int v = 0; v < n; v++) {
                if (Float.isNaN(z[v])) {
                    return v;
                }
            }
            throw new IllegalArgumentException("max is NaN but the row has no NaN");
        }
        FloatVector mv = FloatVector.broadcast(S, max);
        int v = 0;
        for (int bound = S.loopBound(n); v < bound; v += L) {
            if (FloatVector.fromArray(S, z, v).eq(mv).anyTrue()) {
                break; // the first match is in this vector: the scalar loop below finds its lane
            }
        }
        for (; v < n; v++) {
            if (z[v] == max) {
                return v;
            }
        }
        throw new IllegalArgumentException("max " + max + " is not in the row");
    }
}
