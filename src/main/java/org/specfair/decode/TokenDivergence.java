package org.specfair.decode;

/**
 * Teacher-forced comparison of the two models at one emitted position (nats, scoring temperature).
 *
 * @param position         index of the token in prompt + completion
 * @param tokenId          the emitted token
 * @param source           how it was emitted
 * @param p                main probability of the token
 * @param q                assistant probability of the token
 * @param klMainAssistant  KL(P || Q)
 * @param klAssistantMain  KL(Q || P)
 * @param js               Jensen-Shannon divergence
 * @param tv               total variation = 1 - alpha
 * @param alpha            expected acceptance sum(min(p, q))
 * @param entropyMain      H(P)
 * @param entropyAssistant H(Q)
 * @param argmaxAgrees     whether both models' most likely next token is the same
 */
public record TokenDivergence(int position, int tokenId, TokenSource source, double p, double q,
                              double klMainAssistant, double klAssistantMain, double js, double tv, double alpha,
                              double entropyMain, double entropyAssistant, boolean argmaxAgrees) {}
