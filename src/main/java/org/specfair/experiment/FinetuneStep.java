package org.specfair.experiment;

import org.specfair.finetune.DatasetSpec;
import org.specfair.finetune.Lineage;
import org.specfair.finetune.StageRunner;
import org.specfair.prompts.Prompt;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Finetunes one model of a stage on its datasets in order, starting from the parent stage's checkpoint
 * (or the starting pair's), with the stage's settings over the experiment's; milestones go to the
 * {@code milestones} table and the checkpoint to {@code ROOT/_models/EXPERIMENT/STAGE/ROLE}.
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

    private List<String> datasets(StepContext ctx) {
        return role.equals("main") ? ctx.stage(stage).main() : ctx.stage(stage).assistant();
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

    /** {@code ROOT/_models/EXPERIMENT/STAGE/ROLE} (ROOT/checkpoints is the lineage table): the finetune job writes local folders, so ROOT must be local. */
    String checkpointPath(StepContext ctx) {
        if (ExperimentFiles.isRemote(ctx.root)) {
            throw new IllegalArgumentException("finetuning writes checkpoints to local disk: give a local --out, not " + ctx.root);
        }
        return Path.of(ctx.root.replaceFirst("^file:(//)?", ""), "_models", ctx.config.experiment(), stage, role)
                .toAbsolutePath().toString();
    }

    @Override
    public Map<String, String> run(StepContext ctx) {
        String parent = ctx.parentOf(stage);
        String other = role.equals("main") ? "assistant" : "main";
        StepContext.Model from = parent == null ? ctx.startingModel(role) : ctx.model(parent, role);
        StepContext.Model partner = parent == null ? ctx.startingModel(other) : ctx.model(parent, other);
        List<DatasetSpec> datasets = new ArrayList<>();
        for (String name : datasets(ctx)) {
            datasets.add(ctx.datasetSpec(name));
        }
        List<Prompt> probe = ctx.prompts().stream().filter(p -> !p.hasError()).toList();
        String device = ctx.config.models().device().equals("auto") ? "cpu" : ctx.config.models().device();
        Lineage.CheckpointRow row = StageRunner.runRole(ctx.spark, ctx.root, new StageRunner.RoleRun(ctx.config.experiment(),
                stage, parent, role, from.path(), datasets, checkpointPath(ctx),
                ExperimentFiles.trainConfig(ctx.config, ctx.stage(stage)), device, partner.path(), probe));
        Map<String, String> out = new LinkedHashMap<>();
        out.put("path", row.path());
        out.put("fingerprint", row.fingerprint());
        out.put("steps", String.valueOf(row.steps()));
        out.put("final_train_loss", String.valueOf(row.finalTrainLoss()));
        out.put("final_val_loss", String.valueOf(row.finalValLoss()));
        return out;
    }

    @Override
    public boolean stillThere(StepContext ctx, Map<String, String> outputs) {
        Path dir = Path.of(outputs.get("path"));
        return Files.isRegularFile(dir.resolve("config.json")) && ctx.fingerprint(dir.toString()).equals(outputs.get("fingerprint"));
    }
}
