package org.specfair.decode;

/** One speculative round: the draft proposed, how many were accepted, what was emitted (accepted + 1). */
public record Round(int[] proposed, int nMatches, int[] emitted) {}
