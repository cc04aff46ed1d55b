package org.specfair.experiment;

import java.util.Map;

/** Group metrics, transitions, distributions and significance for the experiment, from all its stages. */
final class AggregateStep implements Step {
    static final String ID = "aggregate";

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String describe() {
        return "aggregate (group_metrics, transitions, distributions, significance)";
    }

    @Override
    public String key(StepContext ctx) {
        StringBuilder k = new StringBuilder();
        for (ExperimentConfig.Stage s : ctx.config.stages()) {
            k.append(s.name()).append(':').append(ctx.keyOf(GenerateStep.id(s.name())));
            if (!ctx.config.judges().isEmpty()) {
                k.append('/').append(ctx.keyOf(JudgeStep.id(s.name())));
            }
            k.append('|');
        }
        return k.toString();
    }

    @Override
    public Map<String, String> run(StepContext ctx) {
        throw new StepUnavailable("aggregation is not in this build yet (org.specfair.aggregate.AggregateJob, issue 13)");
    }
}
