package org.specfair.decode;

/** One prompt to decode: its token ids and the seed of its random stream (see {@link Seeds}). */
public record DecodeRequest(int[] promptIds, long seed) {}
