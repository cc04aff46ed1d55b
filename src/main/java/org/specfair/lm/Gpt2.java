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
 * GPT-2 (gpt2, distilgpt2): learned positions, pre-LayerNorm blocks, fused qkv, scores scaled by
 * 1/sqrt(hd), LM head tied to the token embedding unless config.json says {@code tie_word_embeddings: false}.
 * Weight names as in the hub's gpt2: {@code wte, wpe, h.N.{ln_1, attn.c_attn, attn.c_proj, ln_2,
 * mlp.c_fc, mlp.c_proj}, ln_f}; the four Conv1D matrices are stored {@code [in, out]}.
 */
public final class Gpt2 extends TransformerLM {
    record Block(LayerNorm ln1, Linear cAttn, Linear attnProj, LayerNorm ln2, Linear fc, Linear mlpProj) {}

    private final NDArray wte;
    private final NDArray wpe;
    private final Block[] blocks;
    /** The same blocks for the CPU row path. */
    private final RowBlock[] rowBlocks;
    private final LayerNorm lnF;
    private final NDArray lmHead;

    public Gpt2(ModelConfig c, Weights w, NDManager manager, DataType dtype) {
        super(c, manager, dtype);
        long d = c.hiddenSize();
        long inner = c.intermediateSize();
        float eps = (float) c.normEps();
        wte = w.take("wte.weight", c.vocabSize(), d);
        wpe = w.take("wpe.weight", c.maxPositions(), d);
        blocks = new Block[c.numLayers()];
        for (int i = 0; i < blocks.length; i++) {
            String p = "h." + i + ".";
            blocks[i] = new Block(
                    new LayerNorm(w.take(p + "ln_1.weight", d), w.take(p + "ln_1.bias", d), eps),
                    new Linear(w.takeConv1D(p + "attn.c_attn.weight", d, 3 * d), w.take(p + "attn.c_attn.bias", 3 * d), packed),
                    new Linear(w.takeConv1D(p + "attn.c_proj.weight", d, d), w.take(p + "attn.c_proj.bias", d), packed),
                    new LayerNorm(w.take(p + "ln_2.weight", d), w.take(p + "ln_2.bias", d), eps),
                    new Linear(w.takeConv1D(p + "mlp.c_fc.weight", d, inner), w.take(p + "mlp.c_fc.bias", inner), packed),
                    new Linear(w.takeConv1D(p + "mlp.c_proj.weight", inner, d), w.take(p + "mlp.c_proj.bias", d), packed));
        }
        rowBlocks = new RowBlock[blocks.length];
        float scale = (float) (1.0 / Math.sqrt(c.headDim()));
        for (int i = 0; i < blocks.length; i++) {
            Block blk = blocks[i];
            rowBlocks[i] = new RowBlock(blk.ln1(), new Linear[] {blk.cAttn()}, blk.attnProj(), blk.ln2(), blk.fc(), blk.mlpProj(),
                    c.numHeads(), false, scale);
        }
        lnF = new LayerNorm(w.take("ln_f.weight", d), w.take("ln_f.bias", d), eps);
        lmHead = w.lmHead("wte.weight", wte, c.tieWordEmbeddings(), c.vocabSize(), d);
        finishLoading(w);
    }

    @Override
    public NDArray hidden(ForwardBatch b) {
        float scale = (float) (1.0 / Math.sqrt(c.headDim()));
        NDArray x = embed(wte, b.ids).add(embed(wpe, b.positions));   // (B, T, D)
        NDArray rows = RowBlock.hidden(b, x, rowBlocks, lnF, c.activation(), packed); // CPU float32 inference
        if (rows != null) {
            return rows;
        }
        for (int i = 0; i < blocks.length; i++) {
            Block blk = blocks[i];
            var parts = blk.cAttn().apply(blk.ln1().apply(x)).split(3, 2);   // q, k, v: (B, T, D) each
            NDArray y = Attention.selfAttention(b, i, parts.get(0), parts.get(1), parts.get(2),
                    c.numHeads(), c.numHeads(), null, false, scale);
            x = x.add(blk.attnProj().apply(y));
            x = x.add(blk.mlpProj().apply(Activations.apply(c.activation(), blk.fc().apply(blk.ln2().apply(x)))));
        }
        return lnF.apply(x);
    }

    @Override
    public NDArray head(NDArray hidden) {
        return float32(new Linear(lmHead, null, packed).apply(hidden));
    }
}
