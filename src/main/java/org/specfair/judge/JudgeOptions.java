package org.specfair.judge;

import java.io.Serializable;
import java.util.List;

/**
 * Everything a judge run needs.
 *
 * @param root           table root: reads ROOT/generations, writes ROOT/judgments (and ROOT/counterfactuals)
 * @param experiment     which experiment's generations to judge
 * @param stage          one stage, or null for every stage of the experiment
 * @param judges         judge configurations (see {@link JudgeSpec})
 * @param partitions     Spark tasks for model judges (0 = default parallelism)
 * @param batchSize      statements per forward batch for model judges (a judge's batch_size option wins)
 * @param device         auto (the task's GPU, else CPU), cpu, gpu, gpu:N
 * @param incremental    keep judgments already written without error under the same judge_id
 * @param swapPairs      identity-swap pair file for counterfactual consistency, "default" for the built-in
 *                       gendered pairs, or null to skip counterfactuals
 */
public record JudgeOptions(String root, String experiment, String stage, List<JudgeSpec> judges, int partitions,
                           int batchSize, String device, boolean incremental, String swapPairs) implements Serializable {
    public JudgeOptions {
        if (experiment == null || experiment.isBlank()) {
            throw new IllegalArgumentException("--experiment must be non-empty");
        }
        if (judges == null || judges.isEmpty()) {
            throw new IllegalArgumentException("give at least one --judge NAME=KIND[:key=value,...]");
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("--batch-size must be >= 1");
        }
        java.util.Set<String> names = new java.util.HashSet<>();
        for (JudgeSpec j : judges) {
            if (!names.add(j.name())) {
                throw new IllegalArgumentException("judge name '" + j.name() + "' given twice");
            }
        }
        judges = List.copyOf(judges);
    }
}
