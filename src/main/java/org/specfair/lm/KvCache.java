package org.specfair.lm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

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
 * compacted (one gather per layer), which keeps memory proportional to the longest live row.
 */
public final class KvCache implements AutoCloseable {
    private final NDManager manager;
    private final int rows;
    private final NDArray[] keys;
    private final NDArray[] values;
    private int[][] slotPos;
    private int columns;
    private final int[] length;

    public KvCache(NDManager parent, int rows, int layers) {
        this.manager = parent.newSubManager();
        this.rows = rows;
        this.keys = new NDArray[layers];
        this.values = new NDArray[layers];
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

    /** Slots currently allocated (live or dead); for tests and diagnostics. */
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
        // Row r keeps its live slots in order, right-aligned; the rest of its new slots are dead.
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
        try (NDManager scope = manager.newSubManager()) {
            NDArray idx = scope.create(index, new Shape(rows, 1, live, 1));
            for (int l = 0; l < keys.length; l++) {
                Shape s = keys[l].getShape();
                Shape target = new Shape(rows, s.get(1), live, s.get(3));
                keys[l] = replace(keys[l], keys[l].gather(idx.broadcast(target), 2));
                values[l] = replace(values[l], values[l].gather(idx.broadcast(target), 2));
            }
        }
        slotPos = newPos;
        columns = live;
    }

    /** Appends one forward pass's keys/values {@code [B, kvHeads, T, headDim]} for a layer; returns the whole. */
    public NDArray[] append(int layer, NDArray k, NDArray v) {
        if (keys[layer] == null) {
            keys[layer] = keep(k.duplicate());
            values[layer] = keep(v.duplicate());
        } else {
            keys[layer] = replace(keys[layer], NDArrays.concat(new NDList(keys[layer], k), 2));
            values[layer] = replace(values[layer], NDArrays.concat(new NDList(values[layer], v), 2));
        }
        return new NDArray[] {keys[layer], values[layer]};
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

    private NDArray keep(NDArray a) {
        a.attach(manager);
        return a;
    }

    private NDArray replace(NDArray old, NDArray fresh) {
        fresh.attach(manager);
        old.close();
        return fresh;
    }

    @Override
    public void close() {
        manager.close();
    }
}
