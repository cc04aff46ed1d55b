package org.specfair.decode;

/** A model produced NaN (or all -inf) logits: broken weights or an overflow; the prompt becomes an error row. */
public final class NanLogitsException extends IllegalStateException {
    public NanLogitsException(int row) {
        super("model produced NaN logits" + (row >= 0 ? " (batch row " + row + ")" : "") + "; check the checkpoint's weights");
    }
}
