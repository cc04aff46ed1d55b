package org.specfair.experiment;

import java.util.Map;

/** Runs every judge of the experiment on one stage's generations: the {@code judgments} partitions (experiment, stage, judge). */
record JudgeStep(String stage) implements Step {
    static String id(String stage) {
        return "judge/" + stage;
    }

    @Override
    public String id() {
        return id(stage);
    }

    @Override
    public String describe() {
        return "judge stage " + stage;
    }

    @Override
    public String key(StepContext ctx) {
        return "generations=" + ctx.keyOf(GenerateStep.id(stage)) + "|judges=" + ctx.config.judges();
    }

    @Override
    public Map<String, String> run(StepContext ctx) {
        throw new StepUnavailable("judging is not in this build yet (org.specfair.judge.JudgeJob, issue 11)");
    }
}
