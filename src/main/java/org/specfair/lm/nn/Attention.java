package org.specfair.lm.nn;

import org.specfair.lm.ForwardBatch;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Causal self-attention over the batch's positions, with the KV cache. The score math runs in
 * float32 whatever the model dtype (except under a gradient: {@link Casts}). Grouped-query attention (LLaMA) is done by folding the query
 * heads that share a key/value head into one matmul, so keys and values are never copied per head.
 */
public final class Attention {
    private Attention() {}

    /**
     * @param q      {@code [B, T, H*hd]}
     * @param k      {@code [B, T, Hkv*hd]}
     * @param v      {@code [B, T, Hkv*hd]}
     * @param rotary LLaMA's rotary embedding, or null
     * @param local  GPT-Neo local layer (window mask)
     * @param scale  multiplier on q.k (1/sqrt(hd) for GPT-2/LLaMA, 1 for GPT-Neo)
     * @return {@code [B, T, H*hd]}
     */
    public static NDArray selfAttention(ForwardBatch b, int layer, NDArray q, NDArray k, NDArray v,
                                        int heads, int kvHeads, Rotary rotary, boolean local, float scale) {
        long bsz = b.rows;
        long t = b.width;
        long hd = q.getShape().get(2) / heads;
        q = q.reshape(bsz, t, heads, hd).transpose(0, 2, 1, 3);   // (B, H, T, hd)
        k = k.reshape(bsz, t, kvHeads, hd).transpose(0, 2, 1, 3); // (B, Hkv, T, hd)
        v = v.reshape(bsz, t, kvHeads, hd).transpose(0, 2, 1, 3); // (B, Hkv, T, hd)
        if (rotary != null) {
            q = rotary.apply(q);
            k = rotary.apply(k);
        }
        if (b.cache != null) {
            NDArray[] kv = b.cache.append(layer, k, v);          // (B, Hkv, C+T, hd)
            k = kv[0];
            v = kv[1];
        }
        DataType dtype = q.getDataType();
        // Under a gradient (half-precision training) the scores stay in the model dtype: toType would cut the
        // graph (Casts); PyTorch's half softmax kernel still accumulates in float32.
        boolean upcast = dtype != DataType.FLOAT32 && !Casts.underGradient(q);
        if (upcast) {
            q = q.toType(DataType.FLOAT32, false);
            k = k.toType(DataType.FLOAT32, false);
            v = v.toType(DataType.FLOAT32, false);
        }
        long keysLen = k.getShape().get(2);
        int group = heads / kvHeads;
        NDArray qg = q.reshape(bsz, kvHeads, group * t, hd);       // (B, Hkv, g*T, hd): heads sharing a kv head
        NDArray scores = qg.matMul(k.transpose(0, 1, 3, 2));       // (B, Hkv, g*T, C+T)
        if (scale != 1f) {
            scores = Scalar.times(scores, scale);
        }
        NDArray mask = b.mask(local);                              // (B, 1, T, C+T), null: nothing masked
        if (mask != null) {
            if (mask.getDataType() != scores.getDataType()) {
                mask = mask.toType(scores.getDataType(), false);   // half scores under a gradient; no gradient through a mask
            }
            scores = scores.reshape(bsz, heads, t, keysLen).add(mask).reshape(bsz, kvHeads, group * t, keysLen);
        }
        NDArray probs = scores.softmax(-1);
        NDArray out = probs.matMul(v).reshape(bsz, heads, t, hd);  // (B, H, T, hd)
        if (upcast) {
            out = out.toType(dtype, false);
        }
        return out.transpose(0, 2, 1, 3).reshape(new Shape(bsz, t, heads * hd));
    }
}
