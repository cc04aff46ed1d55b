package org.specfair.lm;

import org.specfair.checkpoint.ModelConfig;
import org.specfair.lm.nn.Activations;
import org.specfair.lm.nn.Attention;
import org.specfair.lm.nn.Linear;
import org.specfair.lm.nn.RmsNorm;
import org.specfair.lm.nn.Rotary;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;


/**
 * LLaMA family (Tulu and other judges): RMSNorm, rotary positions (rotate-half, {@code rope_theta},
 * {@code rope_scaling} linear / dynamic / llama3),
 * SwiGLU MLP {@code down(silu(gate(x)) * up(x))}, grouped-query attention, bias-free projections,
 * untied LM head unless {@code tie_word_embeddings}. Weight names: {@code model.{embed_tokens,
 * layers.N.{input_layernorm, self_attn.{q,k,v,o}_proj, post_attention_layernorm, mlp.{gate,up,down}_proj},
 * norm}, lm_head}.
 */
public final class Llama extends TransformerLM {
    record Block(RmsNorm inputNorm, Linear q, Linear k, Linear v, Linear o, RmsNorm postNorm,
                 Linear gate, Linear up, Linear down) {}

    private final NDArray embed;
    private final Block[] blocks;
    private final RmsNorm norm;
    private final Linear lmHead;
    /** Rotary inverse frequencies: theta^(-2i/hd), with rope_scaling applied. */
    private final double[] invFreq;

    public Llama(ModelConfig c, Weights w, NDManager manager, DataType dtype) {
        super(c, manager, dtype);
        long d = c.hiddenSize();
        long kv = (long) c.numKvHeads() * c.headDim();
        long inner = c.intermediateSize();
        float eps = (float) c.normEps();
        embed = w.take("embed_tokens.weight", c.vocabSize(), d);
        blocks = new Block[c.numLayers()];
        for (int i = 0; i < blocks.length; i++) {
            String p = "layers." + i + ".";
            blocks[i] = new Block(
                    new RmsNorm(w.take(p + "input_layernorm.weight", d), eps),
                    new Linear(w.take(p + "self_attn.q_proj.weight", d, d), null, packed),
                    new Linear(w.take(p + "self_attn.k_proj.weight", kv, d), null, packed),
                    new Linear(w.take(p + "self_attn.v_proj.weight", kv, d), null, packed),
                    new Linear(w.take(p + "self_attn.o_proj.weight", d, d), null, packed),
                    new RmsNorm(w.take(p + "post_attention_layernorm.weight", d), eps),
                    new Linear(w.take(p + "mlp.gate_proj.weight", inner, d), null, packed),
                    new Linear(w.take(p + "mlp.up_proj.weight", inner, d), null, packed),
                    new Linear(w.take(p + "mlp.down_proj.weight", d, inner), null, packed));
        }
        norm = new RmsNorm(w.take("norm.weight", d), eps);
        lmHead = new Linear(w.lmHead("embed_tokens.weight", embed, c.tieWordEmbeddings(), c.vocabSize(), d), null, packed);
        invFreq = org.specfair.checkpoint.RopeScaling.inverseFrequencies(c.headDim(), c.ropeTheta(), c.ropeScaling());
        finishLoading(w);
    }

    @Override
    public NDArray hidden(ForwardBatch b) {
        Rotary rotary = new Rotary(b, c.headDim(), invFreq, dtype());
        NDArray x = embed(embed, b.ids);                              // (B, T, D)
        for (int i = 0; i < blocks.length; i++) {
            Block blk = blocks[i];
            NDArray h = blk.inputNorm().apply(x);
            NDArray[] qkv = Linear.applyAll(h, blk.q(), blk.k(), blk.v());
            NDArray y = Attention.selfAttention(b, i, qkv[0], qkv[1], qkv[2],
                    c.numHeads(), c.numKvHeads(), rotary, false, (float) (1.0 / Math.sqrt(c.headDim())));
            x = x.add(blk.o().apply(y));
            h = blk.postNorm().apply(x);
            NDArray[] gateUp = Linear.applyAll(h, blk.gate(), blk.up());
            x = x.add(blk.down().apply(Activations.apply(c.activation(), gateUp[0]).mul(gateUp[1])));
        }
        return norm.apply(x);
    }

    @Override
    public NDArray head(NDArray hidden) {
        return float32(lmHead.apply(hidden));
    }
}
