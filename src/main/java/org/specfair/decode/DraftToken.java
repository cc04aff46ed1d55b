package org.specfair.decode;

/**
 * One proposed draft token. {@code p} and {@code q} are the main and assistant probabilities of the
 * token under the distributions the acceptance rule used (temperature-1 softmax when greedy).
 */
public record DraftToken(int round, int indexInRound, int tokenId, double p, double q, boolean accepted) {
    public double pMinusQ() {
        return p - q;
    }
}
