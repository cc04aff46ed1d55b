package org.specfair.finetune;

import org.specfair.checkpoint.LocalCopy;
import org.specfair.checkpoint.Checkpoint;
import org.specfair.prompts.Prompt;
import org.specfair.tables.TableStore;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.spark.sql.SparkSession;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs a {@link StagePlan}: per stage, the main model then the assistant, each finetuned on its datasets in
 * order from its parent stage's checkpoint, with milestone KL measured against the partner's checkpoint at
 * the start of the stage; every finished checkpoint goes to the {@code checkpoints} table with its lineage
 * and its milestones to {@code milestones}.
 */
public final class StageRunner {
    private static final Logger LOG = LogManager.getLogger(StageRunner.class);

    /** One role of one stage: start from {@code from}, train on {@code datasets} (empty: keep {@code from}). */
    public record RoleRun(String experiment, String stage, String parentStage, String role, String from,
                          List<DatasetSpec> datasets, String out, TrainConfig config, String device, String partner,
                          List<Prompt> probe) {}

    public record Summary(List<Lineage.CheckpointRow> checkpoints) {}

    private StageRunner() {}

    /** Where a plan's checkpoints go: {@code MODELS/EXPERIMENT/STAGE/ROLE}. */
    public static Path checkpointDir(Path models, String experiment, String stage, String role) {
        return models.resolve(experiment).resolve(stage).resolve(role);
    }

    /** Runs every stage in order; tables under {@code root}, checkpoints under {@code models} (a local folder). */
    public static Summary run(SparkSession spark, StagePlan plan, String root, Path models) {
        Map<String, String> paths = new HashMap<>(); // "stage/role" -> checkpoint
        List<Lineage.CheckpointRow> rows = new ArrayList<>();
        for (StagePlan.Stage s : plan.stages()) {
            String parent = plan.parentOf(s);
            TrainConfig config = plan.train().withAll(s.train());
            for (String role : StagePlan.ROLES) {
                String other = role.equals("main") ? "assistant" : "main";
                String from = parent == null ? base(plan, role) : paths.get(parent + "/" + role);
                String partner = parent == null ? base(plan, other) : paths.get(parent + "/" + other);
                List<DatasetSpec> datasets = s.datasets(role).stream().map(plan.datasets()::get).toList();
                RoleRun run = new RoleRun(plan.experiment(), s.name(), parent, role, from, datasets,
                        checkpointDir(models, plan.experiment(), s.name(), role).toString(), config, plan.device(),
                        plan.probe().isEmpty() ? null : partner, plan.probe());
                Lineage.CheckpointRow row = runRole(spark, root, run);
                paths.put(s.name() + "/" + role, row.path());
                rows.add(row);
            }
        }
        return new Summary(rows);
    }

    private static String base(StagePlan plan, String role) {
        return role.equals("main") ? plan.main() : plan.assistant();
    }

    /**
     * Trains one role of one stage (or carries its parent's checkpoint over when it has no datasets) and
     * records the checkpoint with its lineage (base model and datasets continue the parent stage's row of the
     * same role, when there is one) and its milestones. The experiment runner calls this per (stage, role).
     */
    public static Lineage.CheckpointRow runRole(SparkSession spark, String root, RoleRun r) {
        var parentRow = r.parentStage() == null ? java.util.Optional.<Lineage.CheckpointRow>empty()
                : Lineage.find(spark, root, r.experiment(), r.parentStage(), r.role());
        String baseModel = parentRow.map(Lineage.CheckpointRow::baseModel).orElse(r.from());
        List<String> lineage = new ArrayList<>(parentRow.map(Lineage.CheckpointRow::datasets).orElse(List.of()));
        Lineage.CheckpointRow row;
        List<Milestone> milestones = List.of();
        if (r.datasets().isEmpty()) {
            String fp = Checkpoint.open(LocalCopy.of(r.from(), TableStore.hadoop(spark))).fingerprint();
            row = new Lineage.CheckpointRow(r.experiment(), r.stage(), r.role(), r.from(), baseModel, r.parentStage(),
                    lineage, null, 0, null, null, fp);
            LOG.info("stage {} {}: no datasets, keeps {}", r.stage(), r.role(), r.from());
        } else {
            FinetuneOptions o = new FinetuneOptions(r.from(), r.datasets(), r.out(), r.config(), r.device(), "float32",
                    r.partner(), r.partner() == null ? List.of() : r.probe());
            FinetuneJob.Summary s = FinetuneJob.run(spark, o);
            lineage.addAll(s.datasets());
            row = new Lineage.CheckpointRow(r.experiment(), r.stage(), r.role(), s.out(), baseModel, r.parentStage(), lineage,
                    s.hyperparameters(), s.steps(), s.finalTrainLoss(), s.finalValLoss(), s.fingerprint());
            milestones = s.milestones();
        }
        Lineage.record(spark, root, row, milestones);
        return row;
    }
}
