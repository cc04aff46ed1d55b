package org.specfair.aggregate;

/**
 * One prompt's samples of a per-sample value (the match ratio): their sum and count. Prompts are the
 * resampling unit of the bootstrap and the permutation test: samples of one prompt are not independent.
 */
public record PromptSums(String promptId, double sum, long count) {}
