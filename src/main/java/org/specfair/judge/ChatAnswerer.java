package org.specfair.judge;

import org.specfair.lm.CausalLM;
import org.specfair.lm.KvCache;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Greedy answers of a chat model to a batch of prompts, and the probability that the answer starts
 * with yes rather than no: {@code p_yes = P(yes) / (P(yes) + P(no))}, where P(yes) sums the first-token
 * probabilities of the yes spellings. The softmax normaliser cancels in that ratio, so only the yes/no
 * logits leave the device. With {@code maxAnswerTokens = 0} a batch costs one forward pass (the fast
 * p_yes-only mode). A row's answer does not depend on its batch mates (position-based masks).
 */
public final class ChatAnswerer {
    private final CausalLM model;
    private final int[] stopIds;
    private final int[] yesIds;
    private final int[] noIds;

    /** What the model said: the answer's ids (stop token excluded) and p_yes (NaN when no yes/no token exists). */
    public record Answer(int[] ids, double pYes) {}

    public ChatAnswerer(CausalLM model, int[] stopIds, int[] yesIds, int[] noIds) {
        this.model = model;
        this.stopIds = stopIds.clone();
        this.yesIds = yesIds.clone();
        this.noIds = noIds.clone();
    }

    public List<Answer> answer(List<int[]> prompts, int maxAnswerTokens) {
        int rows = prompts.size();
        List<List<Integer>> answers = new ArrayList<>();
        boolean[] done = new boolean[rows];
        double[] pYes = new double[rows];
        try (NDManager scope = model.manager().newSubManager()) {
            KvCache cache = model.newCache(rows);
            try {
                int[][] feed = prompts.toArray(new int[0][]);
                for (int step = 0; ; step++) {
                    try (NDManager s = scope.newSubManager()) {
                        NDArray logits = model.lastLogits(s, feed, cache); // (B, V)
                        if (step == 0) {
                            yesProbability(logits, pYes);
                        }
                        if (step == maxAnswerTokens) {
                            break;
                        }
                        long[] next = logits.argMax(1).toType(ai.djl.ndarray.types.DataType.INT64, false).toLongArray();
                        boolean any = false;
                        for (int r = 0; r < rows; r++) {
                            if (step == 0) {
                                answers.add(new ArrayList<>());
                            }
                            if (done[r]) {
                                feed[r] = new int[0];
                                continue;
                            }
                            int token = (int) next[r];
                            if (isStop(token)) {
                                done[r] = true;
                                feed[r] = new int[0];
                                continue;
                            }
                            answers.get(r).add(token);
                            done[r] = answers.get(r).size() >= maxAnswerTokens;
                            feed[r] = done[r] ? new int[0] : new int[] {token};
                            any |= !done[r];
                        }
                        if (!any) {
                            break;
                        }
                    }
                }
            } finally {
                cache.close();
            }
        }
        List<Answer> out = new ArrayList<>(rows);
        for (int r = 0; r < rows; r++) {
            int[] ids = answers.isEmpty() ? new int[0] : answers.get(r).stream().mapToInt(Integer::intValue).toArray();
            out.add(new Answer(ids, pYes[r]));
        }
        return out;
    }

    private boolean isStop(int token) {
        return Arrays.stream(stopIds).anyMatch(s -> s == token);
    }

    /** p_yes per row from the first answer position's logits (log-sum-exp on the host, in double). */
    private void yesProbability(NDArray logits, double[] out) {
        if (yesIds.length == 0 || noIds.length == 0) {
            Arrays.fill(out, Double.NaN);
            return;
        }
        int[] both = new int[yesIds.length + noIds.length];
        System.arraycopy(yesIds, 0, both, 0, yesIds.length);
        System.arraycopy(noIds, 0, both, yesIds.length, noIds.length);
        long rows = logits.getShape().get(0);
        NDArray idx = logits.getManager().create(Arrays.stream(both).mapToLong(i -> i).toArray())
                .reshape(1, both.length).broadcast(rows, both.length);
        float[] picked = logits.gather(idx, 1).toFloatArray();
        for (int r = 0; r < rows; r++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < both.length; j++) {
                max = Math.max(max, picked[r * both.length + j]);
            }
            double yes = 0;
            double no = 0;
            for (int j = 0; j < both.length; j++) {
                double e = Math.exp(picked[r * both.length + j] - max);
                if (j < yesIds.length) {
                    yes += e;
                } else {
                    no += e;
                }
            }
            out[r] = yes / (yes + no);
        }
    }
}
