package org.specfair.lm;

import org.specfair.checkpoint.ModelConfig;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.util.List;

/**
 * A causal language model: token ids in, next-token logits out. Implementations hold immutable
 * weights only; all mutable state (the {@link KvCache}) is passed in. The forward pass uses plain
 * differentiable DJL ops, so finetuning runs the same code under a gradient collector (without a cache).
 */
public interface CausalLM extends AutoCloseable {
    ModelConfig config();

    /** The manager that owns the weights (long-lived); caches and scopes hang off it. */
    NDManager manager();

    DataType dtype();

    /** Hidden states after the final norm, {@code [B, T, D]}. */
    NDArray hidden(ForwardBatch batch);

    /** The LM head: {@code [..., D]} to float32 logits {@code [..., V]}. */
    NDArray head(NDArray hidden);

    /** Parameters with their Hugging Face names (for saving and for training). */
    List<Weights.Taken> parameters();

    /**
     * Training is about to change the weights in place: drops the packed CPU copies that few-row inference
     * products read ({@link org.specfair.lm.nn.PackedWeights}) and makes none again for this model.
     */
    void unfreeze();

    default KvCache newCache(int rows) {
        return new KvCache(manager(), rows, config().numLayers());
    }

    /**
     * Logits {@code [B, T, V]} (float32) for the ragged rows {@code tokens}, appended to {@code cache}
     * when it is not null. Slot j of row r is the logit after its j-th fed token; slots beyond
     * {@code tokens[r].length} are padding and meaningless. Arrays are created in {@code scope}.
     */
    default NDArray logits(NDManager scope, int[][] tokens, KvCache cache) {
        ForwardBatch batch = ForwardBatch.of(scope, config(), tokens, cache);
        NDArray h = hidden(batch);
        batch.commit();
        return head(h);
    }

    /** Feeds tokens into the cache without computing logits (prompt prefill: the vocabulary head is the costliest matmul). */
    default void prefill(NDManager scope, int[][] tokens, KvCache cache) {
        ForwardBatch batch = ForwardBatch.of(scope, config(), tokens, cache);
        hidden(batch);
        batch.commit();
    }

    /**
     * Logits {@code [B, N, V]} at chosen slots only: {@code slots[r]} lists slot indices of row r's fed
     * tokens (ragged; padded with slot 0). Used by the scoring pass, which needs the prompt's last
     * position and the completion, not the whole prompt.
     */
    default NDArray logitsAt(NDManager scope, int[][] tokens, KvCache cache, int[][] slots) {
        return head(hiddenAt(scope, tokens, cache, slots));
    }

    /** As {@link #logitsAt}, but the hidden states {@code [B, N, D]} there: the caller applies {@link #head} later, batched. */
    default NDArray hiddenAt(NDManager scope, int[][] tokens, KvCache cache, int[][] slots) {
        ForwardBatch batch = ForwardBatch.of(scope, config(), tokens, cache);
        NDArray h = hidden(batch);
        batch.commit();
        int n = 1;
        for (int[] s : slots) {
            n = Math.max(n, s.length);
        }
        long[] idx = new long[batch.rows * n];
        for (int r = 0; r < batch.rows; r++) {
            for (int j = 0; j < slots[r].length; j++) {
                idx[r * n + j] = slots[r][j];
            }
        }
        long d = h.getShape().get(2);
        NDArray index = scope.create(idx, new Shape(batch.rows, n, 1)).broadcast(batch.rows, n, d);
        return h.gather(index, 1);
    }

    /** Logits {@code [B, V]} after the last token each row fed (skips the vocabulary head elsewhere). */
    default NDArray lastLogits(NDManager scope, int[][] tokens, KvCache cache) {
        return lastLogits(scope, tokens, cache, null, null);
    }

    /**
     * As {@link #lastLogits(NDManager, int[][], KvCache)}, and also the hidden state {@code [D]} (after the
     * final norm) at slot {@code extraSlot[r]} of each row ({@code -1}: none) into {@code extraHidden[r]}.
     * The head is not applied to them here: the caller batches them into one later head call (a GEMM
     * of a few rows costs about as much as one of many on a CPU), and the last-slot logits stay
     * bit-identical to a pass without extras (decoding must not depend on what is being recorded).
     */
    default NDArray lastLogits(NDManager scope, int[][] tokens, KvCache cache, int[] extraSlot, NDArray[] extraHidden) {
        ForwardBatch batch = ForwardBatch.of(scope, config(), tokens, cache);
        NDArray h = hidden(batch);
        batch.commit();
        long d = h.getShape().get(2);
        if (extraSlot != null) {
            long[] flat = java.util.stream.IntStream.range(0, batch.rows).filter(r -> extraSlot[r] >= 0)
                    .mapToLong(r -> (long) r * batch.width + extraSlot[r]).toArray();
            if (flat.length > 0) {
                NDArray idx = scope.create(flat, new Shape(flat.length, 1)).broadcast(flat.length, d);
                NDArray picked = h.reshape(-1, d).gather(idx, 0); // (E, D)
                int e = 0;
                for (int r = 0; r < batch.rows; r++) {
                    extraHidden[r] = extraSlot[r] >= 0 ? picked.get(e++) : null;
                }
            }
        }
        if (batch.width == 1) {
            return head(h.squeeze(1)); // a decode step: each row's only slot is its last
        }
        long[] last = new long[batch.rows];
        for (int r = 0; r < batch.rows; r++) {
            last[r] = Math.max(0, batch.fed(r) - 1);
        }
        NDArray idx = scope.create(last, new Shape(batch.rows, 1, 1)).broadcast(batch.rows, 1, d);
        return head(h.gather(idx, 1).squeeze(1));
    }

    @Override
    void close();
}
