package org.specfair.decode;

import java.util.List;

/**
 * The full trace of one prompt's generation.
 *
 * @param completionIds  generated tokens (eos included when emitted)
 * @param finishReason   "length" or "eos"
 * @param nMatches       accepted draft tokens summed over rounds (eos-adjusted as Hugging Face does)
 * @param proposed       draft tokens proposed in total
 * @param accepted       draft tokens accepted in total (= sum of DraftToken.accepted)
 * @param mainPasses     main-model forward passes (= rounds in speculative mode; the first one also feeds the prompt)
 * @param draftPasses    assistant forward passes (the first one also feeds the prompt)
 * @param wallNanos      wall time of this prompt's share of its batch's decoding
 * @param rounds         speculative rounds (empty in main-only / assistant-only modes)
 * @param drafts         every proposed draft token
 * @param tokens         per emitted token divergences (empty when scoring is off)
 */
public record Generation(int[] promptIds, int[] completionIds, String finishReason, int maxNewTokens,
                         int nMatches, int proposed, int accepted, int mainPasses, int draftPasses,
                         long wallNanos, List<Round> rounds, List<DraftToken> drafts, List<TokenDivergence> tokens) {
    public double ratio() {
        return (double) nMatches / maxNewTokens;
    }

    public double acceptanceRate() {
        return proposed == 0 ? Double.NaN : (double) accepted / proposed;
    }

    /** Share of emitted positions where the assistant's argmax equals the main model's. */
    public double agreementRate() {
        if (tokens.isEmpty()) {
            return Double.NaN;
        }
        return tokens.stream().filter(TokenDivergence::argmaxAgrees).count() / (double) tokens.size();
    }
}
