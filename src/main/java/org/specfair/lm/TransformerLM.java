package org.specfair.lm;

import org.specfair.checkpoint.ModelConfig;

import org.specfair.lm.nn.PackedWeights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.SparseFormat;

import java.util.List;

/**
 * What the three architectures share besides their forward pass: the config, the long-lived manager
 * that owns the weights, the compute dtype and the named parameters. Deliberately small: each
 * architecture's file reads top to bottom as its weight mapping and its forward pass.
 */
abstract class TransformerLM implements CausalLM {
    protected final ModelConfig c;
    private final NDManager manager;
    private final DataType dtype;
    /** CPU float32 copies of the weight matrices for few-row products ({@link org.specfair.lm.nn.Linear}). */
    protected final PackedWeights packed;
    private List<Weights.Taken> params;

    TransformerLM(ModelConfig c, NDManager manager, DataType dtype) {
        this.c = c;
        this.manager = manager;
        this.dtype = dtype;
        this.packed = new PackedWeights(manager.getDevice(), dtype);
    }

    /** Call at the end of the constructor: fails on unused checkpoint tensors, records the parameters. */
    protected final void finishLoading(Weights w) {
        w.checkAllUsed();
        params = List.copyOf(w.taken());
    }

    /** Row lookup in an embedding table; ids {@code (B, T)} give {@code (B, T, D)}. */
    static NDArray embed(NDArray table, NDArray ids) {
        return ai.djl.nn.core.Embedding.embedding(ids, table, SparseFormat.DENSE).singletonOrThrow();
    }

    /** Logits leave the model as float32 whatever the compute dtype (differentiably under a gradient). */
    static NDArray float32(NDArray logits) {
        return org.specfair.lm.nn.Casts.toFloat32(logits);
    }

    @Override
    public ModelConfig config() {
        return c;
    }

    @Override
    public NDManager manager() {
        return manager;
    }

    @Override
    public DataType dtype() {
        return dtype;
    }

    @Override
    public List<Weights.Taken> parameters() {
        return params;
    }

    @Override
    public void unfreeze() {
        packed.unfreeze();
    }

    @Override
    public void close() {
        manager.close();
    }
}
