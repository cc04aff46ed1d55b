package org.specfair.lm.nn;

import org.specfair.lm.ForwardBatch;
import org.specfair.lm.KvCache;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * {@link Attention#selfAttention} for the CPU row path ({@link RowBlock}): the same causal self-attention with the
 * KV cache, in Java on float arrays, for GPT-2 and GPT-Neo (as many key/value heads as query heads, no rotary).
 *
 * <p>Why: for a few rows the attention itself is tiny, but torch spends ~20 ops on it per layer (reshapes,
 * transposes, the cache writes, two matmuls, the mask, the softmax), ~10 us each, and at gpt-neo-125M shapes those
 * ops cost about as much as reading the layer's weights.
 *
 * <p>Per row, head and query, in slot order: scores q.k (lanes of the head dimension, added in lane order) times
 * {@code scale}, over the slots the query may see ({@link ForwardBatch#maskValues}: masked slots are skipped, which
 * is what torch's exp(-1e9) = 0 makes of them), softmax with {@link ExactMath#exp}, then the probability-weighted sum
 * of values, each lane its own chain. A query's result therefore does not depend on which other rows, queries or
 * dead slots share its pass, and every operation gives the same float whether the JIT has compiled this code yet or
 * not. A padding query (one that sees nothing) gets zeros: its output is never read.
 */
public final class RowAttention {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();

    /**
     * Below this many (visible slot, head) pairs a pass's attention stays on the calling thread. The helpers spin
     * between a pass's products, so handing them heads costs a microsecond or two: 12 heads over 31 slots took 4.8
     * us per layer on two threads against 7.9 on one (warm, gpt-neo-125M shapes), 257 slots 35 against 70.
     */
    static final long PARALLEL_MIN_SLOT_HEADS = 256;
    /** Slots whose q.k lane chains are computed before their lanes are added (see attendOne). */
    private static final int DOT_BLOCK = 16;

    private RowAttention() {}

    /**
     * @param qkv   this pass's queries, keys and values, {@code [B * T, 3 * D]} row-major (q, then k, then v)
     * @param heads query heads (= key/value heads); D = heads * headDim
     * @param local GPT-Neo local layer (window mask)
     * @param scale multiplier on q.k (1/sqrt(hd) for GPT-2, 1 for GPT-Neo)
     * @param threads threads the heads may be split between (the products' count)
     * @return {@code [B * T, D]} row-major
     */
    public static float[] apply(ForwardBatch b, int layer, float[] qkv, int heads, boolean local, float scale, int threads) {
        int d = qkv.length / (b.rows * b.width) / 3;
        return apply(b, layer, qkv, d, heads, local, scale, threads, new float[b.rows * b.width * d]);
    }

    /**
     * As above for a model width {@code d}, reading the first {@code B * T * 3D} floats of {@code qkv} and writing the
     * first {@code B * T * D} of {@code out} (both may be longer: reused arrays, {@link ReusedFloats}); returns {@code out}.
     */
    public static float[] apply(ForwardBatch b, int layer, float[] qkv, int d, int heads, boolean local, float scale,
                                int threads, float[] out) {
        int rows = b.rows;
        int t = b.width;
        int d3 = 3 * d;
        int hd = d / heads;
        // Where keys and values live: the cache's buffers (this pass's slots written into them first), or without
        // a cache a buffer of this pass's slots only. Layout [B, heads, capacity, hd] either way.
        int first;
        int capacity;
        ByteBuffer keys;
        ByteBuffer values;
        if (b.cache != null) {
            first = b.cache.columns();
            KvCache.RowBuffers buffers = b.cache.reserve(layer, t, heads, hd);
            keys = buffers.keys();
            values = buffers.values();
            capacity = buffers.capacity();
        } else {
            first = 0;
            capacity = t;
            keys = ByteBuffer.allocate(4 * rows * heads * t * hd).order(ORDER);
            values = ByteBuffer.allocate(4 * rows * heads * t * hd).order(ORDER);
        }
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < t; j++) {
                int src = (r * t + j) * d3;
                for (int h = 0; h < heads; h++) {
                    int dst = 4 * (((r * heads + h) * capacity + first + j) * hd);
                    int e = 0;
                    for (; e + L <= hd; e += L) {
                        FloatVector.fromArray(S, qkv, src + d + h * hd + e).intoByteBuffer(keys, dst + 4 * e, ORDER);
                        FloatVector.fromArray(S, qkv, src + 2 * d + h * hd + e).intoByteBuffer(values, dst + 4 * e, ORDER);
                    }
                    for (; e < hd; e++) {
                        keys.putFloat(dst + 4 * e, qkv[src + d + h * hd + e]);
                        values.putFloat(dst + 4 * e, qkv[src + 2 * d + h * hd + e]);
                    }
                }
            }
        }
        int keysLen = first + t;
        float[] mask = b.maskValues(local);
        java.util.Arrays.fill(out, 0, rows * t * d, 0f); // a padding query's output, never read, is zeros
        // The slots each query sees, in slot order, the same for every head (no branches in attendOne's loops: C2
        // then keeps their vectors in registers). A padding query sees none: its output (zeros) is never read.
        int queries = rows * t;
        int[][] seen = new int[queries][];
        long slotHeads = 0;
        for (int q = 0; q < queries; q++) {
            int m0 = q * keysLen;
            int[] list = new int[keysLen];
            int n = 0;
            for (int c = 0; c < keysLen; c++) {
                if (mask == null || mask[m0 + c] == 0f) {
                    list[n++] = c;
                }
            }
            seen[q] = java.util.Arrays.copyOf(list, n);
            slotHeads += (long) n * heads;
        }
        // Heads are independent: long contexts and multi-token passes split them between the product threads (a
        // head's numbers do not depend on which thread computes it).
        int parts = slotHeads >= PARALLEL_MIN_SLOT_HEADS ? Math.min(threads, heads) : 1;
        ProductThreads.run(parts, k -> {
            int h0 = heads * k / parts;
            int h1 = heads * (k + 1) / parts;
            float[] probs = new float[2 * keysLen]; // scores, then their exps
            float[] lanes = new float[DOT_BLOCK * L]; // a block of slots' q.k lane chains
            for (int r = 0; r < rows; r++) {
                for (int j = 0; j < t; j++) {
                    int[] list = seen[r * t + j];
                    for (int h = h0; h < h1 && list.length > 0; h++) {
                        int q0 = (r * t + j) * d3 + h * hd;
                        int kv0 = ((r * heads + h) * capacity) * hd;
                        attendOne(qkv, q0, keys, values, kv0, hd, list, list.length, scale, probs, lanes, out, (r * t + j) * d + h * hd);
                    }
                }
            }
        });
        return out;
    }

    /** One query of one head: out[o0, o0 + hd) = softmax(scale q.K) V over the {@code n} slots in {@code seen}. */
    private static void attendOne(float[] qkv, int q0, ByteBuffer keys, ByteBuffer values, int kv0, int hd, int[] seen, int n,
                                  float scale, float[] probs, float[] lanes, float[] out, int o0) {
        float max = Float.NEGATIVE_INFINITY;
        // q.k per slot: each lane of the head dimension one FMA chain, then the lanes added in lane order (and the
        // tail). The chains of up to DOT_BLOCK slots are stored first and their lanes added after: one slot's 16
        // dependent adds no longer wait on the next slot's loads, 14 -> 5.5 ns a slot, the same floats.
        int vectorPart = hd - hd % L;
        for (int i0 = 0; i0 < n; i0 += DOT_BLOCK) {
            int i1 = Math.min(n, i0 + DOT_BLOCK);
            for (int i = i0; i < i1 && vectorPart > 0; i++) {
                int kByte = 4 * (kv0 + seen[i] * hd);
                FloatVector acc = FloatVector.zero(S);
                for (int e = 0; e < vectorPart; e += L) {
                    acc = FloatVector.fromArray(S, qkv, q0 + e).fma(FloatVector.fromByteBuffer(S, keys, kByte + 4 * e, ORDER), acc);
                }
                acc.intoArray(lanes, (i - i0) * L);
            }
            for (int i = i0; i < i1; i++) {
                float s = 0f;
                if (vectorPart > 0) {
                    for (int l = (i - i0) * L, end = l + L; l < end; l++) {
                        s += lanes[l];
                    }
                }
                int kByte = 4 * (kv0 + seen[i] * hd);
                for (int e = vectorPart; e < hd; e++) {
                    s = Math.fma(qkv[q0 + e], keys.getFloat(kByte + 4 * e), s);
                }
                if (scale != 1f) {
                    s *= scale;
                }
                probs[i] = s;
                max = Math.max(max, s);
            }
        }
        // exp(s - max) in slots [n, 2n) (ExactMath works on arrays in place), then the sum in slot order; below -87 a
        // score counts 0, as before.
        int i = 0;
        for (; i + L <= n; i += L) {
            FloatVector x = FloatVector.fromArray(S, probs, i).sub(max);
            x.max(-87f).intoArray(probs, i + n);
            x.intoArray(probs, i);
        }
        for (; i < n; i++) {
            float x = probs[i] - max;
            probs[i + n] = Math.max(x, -87f);
            probs[i] = x;
        }
        ExactMath.expInPlace(probs, n, 2 * n);
        float sum = 0f;
        for (i = 0; i < n; i++) {
            float e = probs[i] < -87f ? 0f : probs[i + n];
            probs[i] = e;
            sum += e;
        }
        for (i = 0; i < n; i++) {
            probs[i] /= sum;
        }
        // Values: each lane of the head dimension is one FMA chain over the slots in order; four lane groups per
        // loop keep four chains in flight (one group per loop waited on the FMA latency).
        int e = 0;
        for (; e + 4 * L <= hd; e += 4 * L) {
            FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
            for (int j = 0; j < n; j++) {
                int at = 4 * (kv0 + seen[j] * hd + e);
                FloatVector p = FloatVector.broadcast(S, probs[j]);
                a0 = FloatVector.fromByteBuffer(S, values, at, ORDER).fma(p, a0);
                a1 = FloatVector.fromByteBuffer(S, values, at + 4 * L, ORDER).fma(p, a1);
                a2 = FloatVector.fromByteBuffer(S, values, at + 8 * L, ORDER).fma(p, a2);
                a3 = FloatVector.fromByteBuffer(S, values, at + 12 * L, ORDER).fma(p, a3);
            }
            a0.intoArray(out, o0 + e);
            a1.intoArray(out, o0 + e + L);
            a2.intoArray(out, o0 + e + 2 * L);
            a3.intoArray(out, o0 + e + 3 * L);
        }
        for (; e + L <= hd; e += L) {
            FloatVector acc = FloatVector.zero(S);
            for (int j = 0; j < n; j++) {
                FloatVector v = FloatVector.fromByteBuffer(S, values, 4 * (kv0 + seen[j] * hd + e), ORDER);
                acc = v.fma(FloatVector.broadcast(S, probs[j]), acc);
            }
            acc.intoArray(out, o0 + e);
        }
        for (; e < hd; e++) {
            float acc = 0f;
            for (int j = 0; j < n; j++) {
                acc = Math.fma(values.getFloat(4 * (kv0 + seen[j] * hd + e)), probs[j], acc);
            }
            out[o0 + e] = acc;
        }
    }
}
