package org.specfair.lm;

import org.specfair.checkpoint.ModelConfig;
import org.specfair.lm.nn.Activations;
import org.specfair.lm.nn.Attention;
import org.specfair.lm.nn.LayerNorm;
import org.specfair.lm.nn.Linear;
import org.specfair.lm.nn.RowBlock;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;


/**
 * GPT-Neo (gpt-neo-125M / 1.3B / 2.7B): GPT-2's block with separate bias-free q/k/v projections
 * stored as nn.Linear {@code [out, in]}, <b>no</b> 1/sqrt(hd) score scaling (the weights absorbed it),
 * and alternating global / local layers where local layers see only the last {@code window_size}
 * positions. Weight names: {@code transformer.{wte, wpe, h.N.{ln_1, attn.attention.{q,k,v,out}_proj,
 * ln_2, mlp.c_fc, mlp.c_proj}, ln_f}}; LM head tied to wte unless config.json says {@code tie_word_embeddings: false}.
 */
public final class GptNeo extends TransformerLM {
    record Block(LayerNorm ln1, Linear q, Linear k, Linear v, Linear out, LayerNorm ln2, Linear fc, Linear mlpProj,
                 boolean local) {}

    private final NDArray wte;
    private final NDArray wpe;
    private final Block[] blocks;
    /** The same blocks for the CPU row path. */
    private final RowBlock[] rowBlocks;
    private final LayerNorm lnF;
    private final NDArray lmHead;

    public GptNeo(ModelConfig c, Weights w, NDManager manager, DataType dtype) {
        super(c, manager, dtype);
        long d = c.hiddenSize();
        long inner = c.intermediateSize();
        float eps = (float) c.normEps();
        wte = w.take("wte.weight", c.vocabSize(), d);
        wpe = w.take("wpe.weight", c.maxPositions(), d);
        blocks = new Block[c.numLayers()];
        for (int i = 0; i < blocks.length; i++) {
            String p = "h." + i + ".";
            String a = p + "attn.attention.";
            blocks[i] = new Block(
                    new LayerNorm(w.take(p + "ln_1.weight", d), w.take(p + "ln_1.bias", d), eps),
                    new Linear(w.take(a + "q_proj.weight", d, d), null, packed),
                    new Linear(w.take(a + "k_proj.weight", d, d), null, packed),
                    new Linear(w.take(a + "v_proj.weight", d, d), null, packed),
                    new Linear(w.take(a + "out_proj.weight", d, d), w.take(a + "out_proj.bias", d), packed),
                    new LayerNorm(w.take(p + "ln_2.weight", d), w.take(p + "ln_2.bias", d), eps),
                    new Linear(w.take(p + "mlp.c_fc.weight", inner, d), w.take(p + "mlp.c_fc.bias", inner), packed),
                    new Linear(w.take(p + "mlp.c_proj.weight", d, inner), w.take(p + "mlp.c_proj.bias", d), packed),
                    c.localLayers()[i]);
        }
        rowBlocks = new RowBlock[blocks.length];
        for (int i = 0; i < blocks.length; i++) {
            Block blk = blocks[i];
            rowBlocks[i] = new RowBlock(blk.ln1(), new Linear[] {blk.q(), blk.k(), blk.v()}, blk.out(), blk.ln2(), blk.fc(),
                    blk.mlpProj(), c.numHeads(), blk.local(), 1f);
        }
        lnF = new LayerNorm(w.take("ln_f.weight", d), w.take("ln_f.bias", d), eps);
        lmHead = w.lmHead("wte.weight", wte, c.tieWordEmbeddings(), c.vocabSize(), d);
        finishLoading(w);
    }

    @Override
    public NDArray hidden(ForwardBatch b) {
        NDArray x = embed(wte, b.ids).add(embed(wpe, b.positions)); // (B, T, D)
        NDArray rows = RowBlock.hidden(b, x, rowBlocks, lnF, c.activation(), packed); // CPU float32 inference
        if (rows != null) {
            return rows;
        }
        for (int i = 0; i < blocks.length; i++) {
            Block blk = blocks[i];
            NDArray h = blk.ln1().apply(x);
            NDArray[] qkv = Linear.applyAll(h, blk.q(), blk.k(), blk.v());
            NDArray y = Attention.selfAttention(b, i, qkv[0], qkv[1], qkv[2], c.numHeads(), c.numHeads(), null, blk.local(), 1f);
            x = x.add(blk.out().apply(y));
            x = x.add(blk.mlpProj().apply(Activations.apply(c.activation(), blk.fc().apply(blk.ln2().apply(x)))));
        }
        return lnF.apply(x);
    }

    @Override
    public NDArray head(NDArray hidden) {
        return float32(new Linear(lmHead, null, packed).apply(hidden));
    }
}
