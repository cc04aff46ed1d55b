package org.specfair.decode;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Hugging Face's dynamic {@code assistant_confidence_threshold} (transformers src/transformers/generation/
 * candidate_generator.py, {@code AssistedCandidateGenerator.update_candidate_strategy}, the versions after 4.45
 * that import scikit-learn's {@code roc_curve}), as a pure function of one prompt's trace.
 *
 * <p>What HF does, per {@code generate()} call: every drafted token's assistant probability goes into
 * {@code probs}; after each round {@code matches} gets a 1 per accepted token ({@code n_matches}) and one 0 for the
 * first rejected one, and {@code probs} is cut to the same length (drafts after the first rejection are
 * forgotten). Once there are more than 5 pairs with both outcomes present, the threshold becomes the ROC threshold
 * minimising {@code fpr + 3 * fnr} (a false negative costs three times a false positive). The new value is written
 * to the assistant's generation_config, while the draft of the running call keeps using the threshold it started
 * with: it takes effect from the next call, i.e. the next prompt. The lists only grow within a call, so the value
 * left behind is the one computed over the whole prompt, which is what {@link #next} returns.
 */
final class ConfidenceThreshold {
    private ConfidenceThreshold() {}

    /** The threshold the next prompt starts with, after one prompt decoded with {@code current}. */
    static double next(List<Round> rounds, List<DraftToken> drafts, double current) {
        List<Double> probs = new ArrayList<>();
        List<Integer> matches = new ArrayList<>();
        int d = 0;
        for (int round = 0; round < rounds.size(); round++) {
            while (d < drafts.size() && drafts.get(d).round() == round) {
                probs.add(drafts.get(d++).q());
            }
            int nMatches = rounds.get(round).nMatches();
            for (int i = 0; i < nMatches; i++) {
                matches.add(1);
            }
            if (probs.size() > matches.size()) {
                matches.add(0);
            }
            while (probs.size() > matches.size()) {
                probs.remove(probs.size() - 1);
            }
        }
        if (probs.size() > 5 && matches.contains(0) && matches.contains(1)) {
            return bestRocThreshold(probs.stream().mapToDouble(Double::doubleValue).toArray(),
                    matches.stream().mapToInt(Integer::intValue).toArray());
        }
        return current;
    }

    /**
     * scikit-learn's {@code roc_curve(y, score)} followed by {@code thresholds[argmin(fpr + 3 * (1 - tpr))]}: the
     * candidate thresholds are +inf (nothing predicted positive, sklearn >= 1.3) and every distinct score, from the
     * highest down, a score >= threshold counting as predicted positive; ties go to the first (highest) threshold.
     * (sklearn's {@code drop_intermediate} removes only points on straight segments of the curve, where the linear
     * cost cannot have a strictly smaller or earlier minimum, so the choice is the same without it.)
     */
    static double bestRocThreshold(double[] score, int[] y) {
        Integer[] order = new Integer[score.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Double.compare(score[b], score[a]));
        int positives = Arrays.stream(y).sum();
        int negatives = y.length - positives;
        double best = Double.POSITIVE_INFINITY;
        double bestCost = 0 + 3 * 1.0; // fpr 0, tpr 0 at threshold +inf
        int tp = 0;
        int fp = 0;
        for (int i = 0; i < order.length; i++) {
            if (y[order[i]] == 1) {
                tp++;
            } else {
                fp++;
            }
            boolean lastOfTies = i == order.length - 1 || score[order[i + 1]] != score[order[i]];
            if (lastOfTies) {
                double cost = (double) fp / negatives + 3 * (1 - (double) tp / positives);
                if (cost < bestCost) {
                    bestCost = cost;
                    best = score[order[i]];
                }
            }
        }
        return best;
    }
}
