package org.specfair.lm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.nio.ByteOrder;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Keys and values of every layer for a batch of rows, decoded incrementally.
 *
 * <p>Layout: per layer {@code [B, kvHeads, C, headDim]}, where the C columns ("slots") are shared
 * by all rows and each slot remembers, per row, the sequence position it holds, or -1 when it
 * holds nothing (left/right padding, a row that fed fewer tokens than its batch mates, or a
 * position thrown away by {@link #truncate}). Attention masks are built from these positions, so
 * rows advance independently: speculative decoding appends k+1 slots, then truncates each row
 * back to its own accepted length. When more than half of the slots are dead the cache is
 * compacted (one gather per layer), which keeps the slots attended to proportional to the longest live row.
 *
 * <p>Storage is allocated ahead (a quarter more than needed when full) and each pass writes its slots in
 * place, so a decode step copies only its own keys and values. Concatenating instead would copy
 * (and, on CPU, freshly allocate and page-fault) the whole cache of every layer at every step.
 */
public final class KvCache implements AutoCloseable {
    /** Slots allocated on first use, at least. */
    private static final int MIN_CAPACITY = 64;

    private final NDManager parent;
    private final NDManager manager;
    private final int rows;
    /** Per layer {@code [B, kvHeads, capacity, headDim]}; slots at or beyond {@link #columns} are unused. */
    private final NDArray[] keys;
    private final NDArray[] values;
    /** The row path's views of each layer's buffers ({@link #reserve}), or null before its first pass. */
    private final RowBuffers[] rowViews;
    private int[][] slotPos;
    private int columns;
    private final int[] length;

    public KvCache(NDManager parent, int rows, int layers) {
        this.parent = parent;
        this.manager = parent.newSubManager();
        this.rows = rows;
        this.keys = new NDArray[layers];
        this.values = new NDArray[layers];
        this.rowViews = new RowBuffers[layers];
        this.slotPos = new int[rows][0];
        this.length = new int[rows];
    }

    public int rows() {
        return rows;
    }

    /** Number of tokens of {@code row} held (= the position the next token of that row gets). */
    public int length(int row) {
        return length[row];
    }

    /** Slots in use (live or dead); for tests and diagnostics. */
    public int columns() {
        return columns;
    }

    /** Forgets every position at or beyond {@code newLength} in {@code row}. */
    public void truncate(int row, int newLength) {
        if (newLength < 0 || newLength > length[row]) {
            throw new IllegalArgumentException("row " + row + ": cannot truncate length " + length[row] + " to " + newLength);
        }
        int[] pos = slotPos[row];
        for (int c = 0; c < columns; c++) {
            if (pos[c] >= newLength) {
                pos[c] = -1;
            }
        }
        length[row] = newLength;
    }

    public void truncate(int newLength) {
        for (int r = 0; r < rows; r++) {
            truncate(r, Math.min(newLength, length[r]));
        }
    }

    /** Position held by each slot of {@code row} (-1 = dead), before the pending append. */
    int[] slotPositions(int row) {
        return slotPos[row];
    }

    /** Drops dead slots when they are the majority; called before a forward pass, never during one. */
    void compactIfWasteful() {
        if (columns == 0 || keys[0] == null) {
            return;
        }
        int live = 0;
        for (int r = 0; r < rows; r++) {
            int n = 0;
            for (int c = 0; c < columns; c++) {
                if (slotPos[r][c] >= 0) {
                    n++;
                }
            }
            live = Math.max(live, n);
        }
        if (columns <= 2 * live + 16) {
            return;
        }
        // Row r keeps its live slots in order, at the front; the rest of its first `live` slots are dead.
        long[] index = new long[rows * live];
        int[][] newPos = new int[rows][live];
        for (int r = 0; r < rows; r++) {
            Arrays.fill(newPos[r], -1);
            int w = 0;
            for (int c = 0; c < columns; c++) {
                if (slotPos[r][c] >= 0) {
                    index[r * live + w] = c;
                    newPos[r][w++] = slotPos[r][c];
                }
            }
        }
        if (live > 0) {
            moveSlots(index, live);
        }
        slotPos = newPos;
        columns = live;
    }

    /** Copies slot {@code index[r * live + j]} of row r to slot j, for every layer. */
    private void moveSlots(long[] index, int live) {
        try (NDManager scope = manager.newSubManager()) {
            NDArray idx = scope.create(index, new Shape(rows, 1, live, 1));
            NDIndex kept = slots(0, live);
            for (int l = 0; l < keys.length; l++) {
                Shape s = keys[l].getShape();
                NDArray target = idx.broadcast(new Shape(rows, s.get(1), live, s.get(3)));
                // gather copies, so overwriting the buffer's first slots with the result is safe
                try (NDArray k = keys[l].gather(target, 2); NDArray v = values[l].gather(target, 2)) {
                    keys[l].set(kept, k);
                    values[l].set(kept, v);
                }
            }
        }
    }

    /**
     * Appends one forward pass's keys/values {@code [B, kvHeads, T, headDim]} for a layer and returns
     * views of all slots in use, {@code [B, kvHeads, C+T, headDim]}, in the manager of {@code k} (the
     * pass's scope). The views are valid until the next pass.
     */
    public NDArray[] append(int layer, NDArray k, NDArray v) {
        int end = columns + Math.toIntExact(k.getShape().get(2));
        if (keys[layer] == null || keys[layer].getShape().get(2) < end) {
            Shape s = k.getShape();
            keys[layer] = grow(keys[layer], s.get(1), s.get(3), k.getDataType(), end);
            values[layer] = grow(values[layer], s.get(1), s.get(3), v.getDataType(), end);
        }
        NDIndex fresh = slots(columns, end);
        keys[layer].set(fresh, k);
        values[layer].set(fresh, v);
        NDIndex used = slots(0, end);
        return new NDArray[] {keys[layer].get(k.getManager(), used), values[layer].get(k.getManager(), used)};
    }

    /**
     * A larger buffer {@code [B, heads, capacity, headDim]} of {@code type} holding {@code old}'s slots in use. A
     * quarter to spare makes growth geometric (the copies cost O(1) per slot) while wasting little memory at long
     * contexts.
     */
    private NDArray grow(NDArray old, long heads, long headDim, DataType type, int needed) {
        long capacity = Math.max(MIN_CAPACITY, needed + needed / 4);
        NDArray buffer = manager.zeros(new Shape(rows, heads, capacity, headDim), type);
        if (old != null) {
            NDIndex used = slots(0, columns);
            try (NDArray inUse = old.get(used)) {
                buffer.set(used, inUse);
            }
            old.close();
        }
        return buffer;
    }

    /**
     * The row path's form of {@link #append} ({@link org.specfair.lm.nn.RowAttention}, CPU float32): makes room for
     * {@code t} more slots in a layer and returns views of its key and value buffers, {@code [B, heads, capacity,
     * headDim]} floats in native byte order, which the caller writes this pass's slots {@code [columns(), columns() + t)}
     * into and reads every slot in use from. The views are valid until the next pass.
     */
    public RowBuffers reserve(int layer, int t, int heads, int headDim) {
        int end = columns + t;
        if (keys[layer] == null || keys[layer].getShape().get(2) < end) {
            keys[layer] = grow(keys[layer], heads, headDim, DataType.FLOAT32, end);
            values[layer] = grow(values[layer], heads, headDim, DataType.FLOAT32, end);
        }
        if (keys[layer].getDataType() != DataType.FLOAT32) {
            throw new IllegalStateException("the row path needs a float32 cache, not " + keys[layer].getDataType());
        }
        RowBuffers views = rowViews[layer];
        if (views == null || views.owner != keys[layer]) {
            views = new RowBuffers(view(keys[layer]), view(values[layer]), Math.toIntExact(keys[layer].getShape().get(2)),
                    keys[layer]);
            rowViews[layer] = views;
        }
        return views;
    }

    /**
     * A layer's key and value buffers as the row path sees them; {@code capacity} slots per row and head. Kept per
     * layer until the layer's buffers are replaced ({@code owner}: the key buffer they view): asking torch for two
     * views per layer and pass cost 12-50 us a layer (gpt-neo-125M shapes, batch 1-8), 0.15-0.6 ms a step. Writes in
     * place (a pass's slots, compaction) keep the same memory, so the views stay valid.
     */
    public record RowBuffers(ByteBuffer keys, ByteBuffer values, int capacity, NDArray owner) {}

    /** The buffer's own memory (a view, not a copy: the row path writes through it). */
    private static ByteBuffer view(NDArray buffer) {
        return buffer.toByteBuffer(true).order(ByteOrder.nativeOrder());
    }

    /**
     * A cache holding only rows {@code keep} (in that order), for a batch whose other rows have
     * finished: they no longer cost compute in later passes. This cache is closed.
     */
    public KvCache keepRows(int[] keep) {
        KvCache out = copyRows(keep);
        close();
        return out;
    }

    /** A new cache holding copies of rows {@code keep} (in that order); this one is unchanged. */
    public KvCache copyRows(int[] keep) {
        KvCache out = new KvCache(parent, keep.length, keys.length);
        out.columns = columns;
        for (int i = 0; i < keep.length; i++) {
            out.slotPos[i] = slotPos[keep[i]].clone();
            out.length[i] = length[keep[i]];
        }
        if (keys[0] != null && keep.length > 0) {
            long[] index = new long[keep.length];
            for (int i = 0; i < keep.length; i++) {
                index[i] = keep[i];
            }
            try (NDManager scope = manager.newSubManager()) {
                NDArray idx = scope.create(index, new Shape(keep.length, 1, 1, 1));
                for (int l = 0; l < keys.length; l++) {
                    Shape s = keys[l].getShape();
                    NDArray target = idx.broadcast(new Shape(keep.length, s.get(1), s.get(2), s.get(3)));
                    out.keys[l] = keys[l].gather(target, 0);
                    out.values[l] = values[l].gather(target, 0);
                    out.keys[l].attach(out.manager);
                    out.values[l].attach(out.manager);
                }
            }
        }
        return out;
    }

    /** Slots {@code [from, to)} of every row and head: {@code [:, :, from:to]} (built, not parsed: it runs twice per layer and step). */
    private static NDIndex slots(long from, long to) {
        return new NDIndex().addAllDim(2).addSliceDim(from, to);
    }

    /** Records the positions of the slots appended by the pass that just finished. */
    void commit(int[][] newPositions) {
        int t = newPositions[0].length;
        for (int r = 0; r < rows; r++) {
            int[] grown = Arrays.copyOf(slotPos[r], columns + t);
            for (int j = 0; j < t; j++) {
                grown[columns + j] = newPositions[r][j];
                if (newPositions[r][j] >= 0) {
                    length[r] = Math.max(length[r], newPositions[r][j] + 1);
                }
            }
            slotPos[r] = grown;
        }
        columns += t;
    }

    DataType dtype() {
        return keys[0] == null ? null : keys[0].getDataType();
    }

    @Override
    public void close() {
        manager.close();
    }
}
