package org.specfair.finetune;

import java.util.ArrayList;
import java.util.List;

/**
 * Causal-LM packing as in Hugging Face's {@code run_clm} ({@code group_texts}): the documents' ids are
 * concatenated with the eos token after each document and cut into blocks of {@code contextLength};
 * the tail shorter than a block is dropped. A block predicts its own tokens 1.. from tokens ..-1.
 */
public final class Packing {
    private Packing() {}

    public static List<int[]> blocks(List<int[]> docs, int eosId, int contextLength) {
        if (contextLength < 2) {
            throw new IllegalArgumentException("context_length " + contextLength + " must be at least 2");
        }
        List<int[]> out = new ArrayList<>();
        int[] block = new int[contextLength];
        int fill = 0;
        for (int[] doc : docs) {
            for (int i = 0; i <= doc.length; i++) {
                block[fill++] = i < doc.length ? doc[i] : eosId;
                if (fill == contextLength) {
                    out.add(block);
                    block = new int[contextLength];
                    fill = 0;
                }
            }
        }
        return out;
    }

    /** Tokens the documents occupy once packed (eos included), to say how far a dataset falls short. */
    public static long tokens(List<int[]> docs) {
        long n = 0;
        for (int[] d : docs) {
            n += d.length + 1;
        }
        return n;
    }
}
