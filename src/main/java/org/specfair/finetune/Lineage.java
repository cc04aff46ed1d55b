package org.specfair.finetune;

import org.specfair.tables.TableStore;
import org.specfair.tables.Tables;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.apache.spark.sql.functions.col;

/**
 * The {@code checkpoints} and {@code milestones} tables: one checkpoint row per (experiment, stage, role),
 * and that role's milestone rows, replaced together when a stage's role is trained again.
 */
public final class Lineage {
    /** A finished checkpoint with where it came from (a row of {@code checkpoints}). */
    public record CheckpointRow(String experiment, String stage, String role, String path, String baseModel,
                                String parentStage, List<String> datasets, String hyperparameters, int steps,
                                Double finalTrainLoss, Double finalValLoss, String fingerprint) {
        Row toRow() {
            return RowFactory.create(experiment, stage, role, path, baseModel, parentStage, datasets, hyperparameters, steps,
                    finalTrainLoss, finalValLoss, fingerprint);
        }

        static CheckpointRow of(Row r) {
            return new CheckpointRow(r.getAs("experiment"), r.getAs("stage"), r.getAs("role"), r.getAs("path"),
                    r.getAs("base_model"), r.getAs("parent_stage"), r.getList(r.fieldIndex("datasets")),
                    r.getAs("hyperparameters"), r.getAs("steps"), r.getAs("final_train_loss"), r.getAs("final_val_loss"),
                    r.getAs("fingerprint"));
        }
    }

    private Lineage() {}

    /** The recorded checkpoint of (experiment, stage, role), if any. */
    public static Optional<CheckpointRow> find(SparkSession spark, String root, String experiment, String stage, String role) {
        return TableStore.readIfExists(spark, root, Tables.CHECKPOINTS).flatMap(df -> df
                .filter(col("experiment").equalTo(experiment).and(col("stage").equalTo(stage)).and(col("role").equalTo(role)))
                .collectAsList().stream().findFirst().map(CheckpointRow::of));
    }

    /** Records a checkpoint and replaces its role's milestones in the stage. */
    public static void record(SparkSession spark, String root, CheckpointRow c, List<Milestone> milestones) {
        List<Row> rows = new ArrayList<>();
        for (Milestone m : milestones) {
            rows.add(RowFactory.create(c.experiment(), c.stage(), c.role(), m.dataset(), m.step(), m.epoch(), m.tokensSeen(),
                    m.trainLoss(), m.valLoss(), m.category(), m.klModelPartner(), m.klPartnerModel()));
        }
        // Milestones first: a checkpoint row then always has its milestones (a crash in between leaves the
        // milestones of a run without a row, replaced by the rerun).
        replaceMilestones(spark, root, c, rows);
        TableStore.replaceRows(spark, root, Tables.CHECKPOINTS, Tables.CHECKPOINT, List.of("experiment"),
                List.of("stage", "role"), List.of(c.toRow()));
    }

    /** Rewrites the stage's milestones partition as the other roles' rows plus {@code rows} (a rerun with fewer steps keeps no stale ones). */
    private static void replaceMilestones(SparkSession spark, String root, CheckpointRow c, List<Row> rows) {
        List<Row> all = new ArrayList<>();
        if (TableStore.exists(spark, root, Tables.MILESTONES)) {
            all.addAll(TableStore.read(spark, root, Tables.MILESTONES)
                    .filter(col("experiment").equalTo(c.experiment()).and(col("stage").equalTo(c.stage()))
                            .and(col("role").notEqual(c.role())))
                    .select(java.util.Arrays.stream(Tables.MILESTONE.fieldNames()).map(org.apache.spark.sql.functions::col)
                            .toArray(org.apache.spark.sql.Column[]::new))
                    .collectAsList());
        }
        all.addAll(rows);
        if (all.isEmpty()) {
            java.util.Map<String, String> partition = new java.util.LinkedHashMap<>();
            partition.put("experiment", c.experiment());
            partition.put("stage", c.stage());
            TableStore.deletePartition(spark, root, Tables.MILESTONES, partition);
        } else {
            TableStore.overwritePartitions(spark.createDataFrame(all, Tables.MILESTONE).coalesce(1), root,
                    Tables.MILESTONES, Tables.PARTITION_COLUMNS);
        }
    }
}
