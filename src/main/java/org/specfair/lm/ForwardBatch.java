package org.specfair.lm;

import org.specfair.checkpoint.ModelConfig;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.util.Arrays;

/**
 * The inputs of one forward pass, prepared once and shared by every layer: token ids, the
 * sequence position of every token, and additive attention masks built from positions.
 *
 * <p>Rows may feed different numbers of tokens ({@code tokens[r]} is ragged); short rows are
 * padded with dead slots (position -1) that no query attends to and whose outputs are ignored.
 * Row r's tokens take positions {@code cache.length(r), cache.length(r)+1, ...} (0.. without a
 * cache). A query at position p sees a key at position k when 0 <= k <= p (and p - k < window for
 * GPT-Neo's local layers). Because the mask depends only on positions, a row's results do not
 * depend on how its batch mates are padded, or on where the dead slots of a truncated cache lie.
 */
public final class ForwardBatch {
    /** Added to the scores of masked keys: large enough that exp() underflows to exactly 0. */
    public static final float MASKED = -1e9f;

    public final NDManager scope;
    public final int rows;
    public final int width;
    public final KvCache cache;
    /** Token ids {@code [B, T]}, 0 in padded slots. */
    public final NDArray ids;
    /** Positions {@code [B, T]} for embeddings (0 in padded slots). */
    public final NDArray positions;
    /** Positions per row and slot, -1 in padded slots. */
    public final int[][] queryPos;
    private final int[] fed;
    private final ModelConfig config;
    /** Global and local masks, built on first use; null when built and masking nothing. */
    private final float[][] maskValues = new float[2][];
    private final boolean[] built = new boolean[2];
    /** The same as arrays in the pass's scope, made on first use. */
    private final NDArray[] masks = new NDArray[2];

    private ForwardBatch(NDManager scope, ModelConfig config, int[][] tokens, KvCache cache) {
        this.scope = scope;
        this.config = config;
        this.cache = cache;
        this.rows = tokens.length;
        if (cache != null && cache.rows() != rows) {
            throw new IllegalArgumentException("batch has " + rows + " rows but the cache " + cache.rows());
        }
        int t = 1;
        for (int[] row : tokens) {
            t = Math.max(t, row.length);
        }
        this.width = t;
        long[] ids = new long[rows * t];
        long[] pos = new long[rows * t];
        this.queryPos = new int[rows][t];
        this.fed = new int[rows];
        for (int r = 0; r < rows; r++) {
            int start = cache == null ? 0 : cache.length(r);
            Arrays.fill(queryPos[r], -1);
            fed[r] = tokens[r].length;
            for (int j = 0; j < tokens[r].length; j++) {
                int id = tokens[r][j];
                if (id < 0 || id >= config.vocabSize()) {
                    throw new IllegalArgumentException("token id " + id + " is outside the vocabulary (size " + config.vocabSize() + ")");
                }
                int p = start + j;
                if (p >= config.maxPositions()) {
                    throw new IllegalArgumentException("sequence of " + (p + 1) + " tokens exceeds the context window of "
                            + config.maxPositions());
                }
                ids[r * t + j] = id;
                pos[r * t + j] = p;
                queryPos[r][j] = p;
            }
        }
        this.ids = scope.create(ids, new Shape(rows, t));
        this.positions = scope.create(pos, new Shape(rows, t));
    }

    /** Prepares a pass; compacts the cache first if it is mostly dead slots. */
    public static ForwardBatch of(NDManager scope, ModelConfig config, int[][] tokens, KvCache cache) {
        if (cache != null) {
            cache.compactIfWasteful();
        }
        return new ForwardBatch(scope, config, tokens, cache);
    }

    /**
     * Additive mask {@code [B, 1, T, C+T]} over cached slots followed by this pass's slots, or null
     * when every query may see every key (typically one row decoding one token with no dead slots),
     * so that the common decode step skips the add.
     */
    public NDArray mask(boolean local) {
        int i = local ? 1 : 0;
        if (masks[i] == null) {
            float[] m = maskValues(local);
            if (m == null) {
                return null;
            }
            int keysLen = m.length / (rows * width);
            masks[i] = scope.create(m, new Shape(rows, 1, width, keysLen));
        }
        return masks[i];
    }

    /**
     * The same mask as a row-major float array ({@link #MASKED} or 0 per row, query and key slot), or null when it
     * masks nothing: what the CPU row path ({@link org.specfair.lm.nn.RowAttention}) reads.
     */
    public float[] maskValues(boolean local) {
        int i = local ? 1 : 0;
        if (!built[i]) {
            maskValues[i] = buildMask(local ? config.windowSize() : 0);
            built[i] = true;
        }
        return maskValues[i];
    }

    private float[] buildMask(int window) {
        int cached = cache == null ? 0 : cache.columns();
        int keysLen = cached + width;
        float[] m = new float[rows * width * keysLen];
        Arrays.fill(m, MASKED);
        int visible = 0;
        for (int r = 0; r < rows; r++) {
            int[] slots = cache == null ? new int[0] : cache.slotPositions(r);
            for (int q = 0; q < width; q++) {
                int qp = queryPos[r][q];
                if (qp < 0) {
                    continue;
                }
                int base = (r * width + q) * keysLen;
                for (int c = 0; c < keysLen; c++) {
                    int kp = c < cached ? slots[c] : queryPos[r][c - cached];
                    if (kp >= 0 && kp <= qp && (window <= 0 || qp - kp < window)) {
                        m[base + c] = 0f;
                        visible++;
                    }
                }
            }
        }
        return visible == m.length ? null : m;
    }

    /** Tells the cache where this pass's slots live; call once after the last layer. */
    void commit() {
        if (cache != null) {
            cache.commit(queryPos);
        }
    }

    /** Number of real (unpadded) tokens row r fed. */
    public int fed(int row) {
        return fed[row];
    }
}
