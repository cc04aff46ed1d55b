package org.specfair.lm;

import org.specfair.checkpoint.CheckpointException;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Hands named checkpoint tensors to an architecture, checking every shape, and remembers what was
 * taken so that (a) a checkpoint tensor nobody asked for is an error, not silence, and (b) the model
 * can be written back as a Hugging Face checkpoint with the same names and orientation.
 *
 * <p>Architectures ask by canonical name without the family prefix ("h.0.ln_1.weight",
 * "layers.0.mlp.up_proj.weight"); checkpoints may store it bare or under "transformer." / "model.".
 */
public final class Weights {
    /** A tensor as the model holds it, with what is needed to save it in Hugging Face layout. */
    public record Taken(String name, NDArray array, boolean transposed) {}

    private static final List<String> PREFIXES = List.of("", "transformer.", "model.");

    private final WeightSource source;
    private final NDManager manager;
    private final DataType dtype;
    private final Set<String> used = new HashSet<>();
    private final List<Taken> taken = new ArrayList<>();

    public Weights(WeightSource source, NDManager manager, DataType dtype) {
        this.source = source;
        this.manager = manager;
        this.dtype = dtype;
    }

    public boolean has(String name) {
        return stored(name) != null;
    }

    /** The tensor exactly as stored, which must have {@code shape}. */
    public NDArray take(String name, long... shape) {
        return load(name, shape, false);
    }

    /**
     * A GPT-2 Conv1D weight, stored {@code [in, out]}; returned as {@code [out, in]} like every
     * nn.Linear so one matmul convention serves all families: transposed in Java while read, so that the
     * array is {@code [out, in]} in memory too (contiguous, like every other family's matrices).
     */
    public NDArray takeConv1D(String name, long in, long out) {
        return load(name, new long[] {in, out}, true);
    }

    /**
     * The LM head {@code [vocab, d]}. Untied: the stored {@code lm_head.weight}. Tied (config.json's
     * {@code tie_word_embeddings}, true by default for GPT-2/GPT-Neo): the token embedding, as transformers'
     * {@code tie_weights()} makes it. A stored head that equals the embedding is a harmless copy; one that differs
     * would be silently replaced by transformers, so it is refused with the fix named instead of dropped.
     */
    public NDArray lmHead(String embeddingName, NDArray embedding, boolean tied, long vocab, long d) {
        if (!tied) {
            return take("lm_head.weight", vocab, d);
        }
        String head = stored("lm_head.weight");
        if (head != null) {
            long[] shape = {vocab, d};
            if (!Arrays.equals(source.shape(head), shape)
                    || !source.float32(head, shape).equals(source.float32(stored(embeddingName), shape))) {
                throw new CheckpointException(source.describe() + ": '" + head + "' differs from '" + stored(embeddingName)
                        + "' but config.json has tie_word_embeddings true, so transformers would use the embedding and ignore it;"
                        + " set \"tie_word_embeddings\": false in config.json to use the stored head");
            }
            used.add(head);
        }
        return embedding;
    }

    /** Marks a stored tensor as deliberately unused (tied duplicates). */
    public void ignore(String name) {
        String s = stored(name);
        if (s != null) {
            used.add(s);
        }
    }

    private NDArray load(String name, long[] shape, boolean conv1d) {
        String key = stored(name);
        boolean random = source.names().isEmpty();
        if (key == null && !random) {
            throw new CheckpointException(source.describe() + ": missing tensor '" + name + "' (shape "
                    + Arrays.toString(shape) + ")");
        }
        if (key != null) {
            long[] actual = source.shape(key);
            if (!Arrays.equals(actual, shape)) {
                throw new CheckpointException(source.describe() + ": tensor '" + key + "' has shape "
                        + Arrays.toString(actual) + ", expected " + Arrays.toString(shape));
            }
            used.add(key);
        }
        java.nio.FloatBuffer values = source.float32(key == null ? name : key, shape).asFloatBuffer();
        NDArray a = conv1d
                ? manager.create(transposed(values, (int) shape[0], (int) shape[1]), new Shape(shape[1], shape[0]))
                : manager.create(values, new Shape(shape));
        if (dtype != DataType.FLOAT32) {
            NDArray c = a.toType(dtype, false);
            a.close();
            a = c;
        }
        a.setName(name);
        taken.add(new Taken(name, a, conv1d));
        return a;
    }

    private String stored(String name) {
        for (String p : PREFIXES) {
            if (source.names().contains(p + name)) {
                return p + name;
            }
        }
        return null;
    }

    /**
     * {@code [rows, cols]} row-major values as {@code [cols, rows]} row-major: a real copy. torch's transpose + clone
     * would keep the transposed strides (the data still {@code [in, out]} in memory), where the few-row form of
     * {@link org.specfair.lm.nn.Linear} is 10x slower.
     */
    static float[] transposed(java.nio.FloatBuffer values, int rows, int cols) {
        float[] out = new float[rows * cols];
        final int tile = 64; // both sides stay in cache within a tile
        for (int r0 = 0; r0 < rows; r0 += tile) {
            for (int c0 = 0; c0 < cols; c0 += tile) {
                for (int r = r0; r < Math.min(rows, r0 + tile); r++) {
                    for (int c = c0; c < Math.min(cols, c0 + tile); c++) {
                        out[c * rows + r] = values.get(r * cols + c);
                    }
                }
            }
        }
        return out;
    }

    /** Fails on any checkpoint tensor that was neither used nor a known non-parameter buffer. */
    public void checkAllUsed() {
        Set<String> unused = new TreeSet<>(source.names());
        unused.removeAll(used);
        unused.removeIf(Weights::isBuffer);
        if (!unused.isEmpty()) {
            throw new CheckpointException(source.describe() + ": unexpected tensor(s) " + unused.stream().limit(5).toList()
                    + (unused.size() > 5 ? " and " + (unused.size() - 5) + " more" : "")
                    + " (does config.json match the weights?)");
        }
    }

    /** Causal-mask and rotary buffers that some checkpoints carry; recomputed, never loaded. */
    static boolean isBuffer(String name) {
        return name.endsWith(".attn.bias") || name.endsWith(".attn.masked_bias")
                || name.endsWith(".attention.bias") || name.endsWith(".attention.masked_bias")
                || name.endsWith(".rotary_emb.inv_freq");
    }

    public List<Taken> taken() {
        return taken;
    }
}
