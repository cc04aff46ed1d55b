package org.specfair.experiment;

import java.util.Map;

/**
 * Finetunes one model of a stage on its datasets in order, starting from the parent stage's checkpoint
 * (or the starting pair's), with the stage's settings over the experiment's; milestones go to the
 * {@code milestones} table and the checkpoint to {@code ROOT/checkpoints/EXPERIMENT/STAGE/ROLE}.
 */
record FinetuneStep(String stage, String role) implements Step {
    static String id(String stage, String role) {
        return "finetune/" + stage + "/" + role;
    }

    @Override
    public String id() {
        return id(stage, role);
    }

    @Override
    public String describe() {
        return "finetune " + role + " for stage " + stage;
    }

    private java.util.List<String> datasets(StepContext ctx) {
        return ctx == null ? java.util.List.of() : role.equals("main") ? ctx.stage(stage).main() : ctx.stage(stage).assistant();
    }

    @Override
    public String key(StepContext ctx) {
        String parent = ctx.parentOf(stage);
        StepContext.Model from = parent == null ? ctx.startingModel(role) : ctx.model(parent, role);
        StringBuilder k = new StringBuilder("from=").append(from.fingerprint())
                .append("|settings=").append(settings(ctx));
        for (String d : datasets(ctx)) {
            k.append("|").append(d).append("=").append(ctx.datasetFingerprint(d));
        }
        return k.toString();
    }

    String settings(StepContext ctx) {
        return ExperimentFiles.trainConfig(ctx.config, ctx.stage(stage)).toJson();
    }

    String checkpointPath(StepContext ctx) {
        return ctx.root + "/checkpoints/" + ctx.config.experiment() + "/" + stage + "/" + role;
    }

    @Override
    public Map<String, String> run(StepContext ctx) {
        throw new StepUnavailable("finetuning is not in this build yet (org.specfair.finetune.FinetuneJob, issue 12)");
    }
}
