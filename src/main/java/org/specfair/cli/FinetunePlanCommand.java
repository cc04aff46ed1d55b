package org.specfair.cli;

import org.specfair.finetune.Lineage;
import org.specfair.finetune.StagePlan;
import org.specfair.finetune.StageRunner;
import org.specfair.spark.Sessions;

import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code specfair finetune-plan}: run a stage plan (JSON) for a pair; checkpoints + milestones tables. */
@Command(name = "finetune-plan", description = "Run finetuning stages for a (main, assistant) pair from a JSON stage plan.")
public final class FinetunePlanCommand implements Callable<Integer> {
    @Option(names = "--plan", required = true, description = "stage plan (JSON; see docs/finetune.md)") Path plan;
    @Option(names = "--root", required = true, description = "output root for the checkpoints and milestones tables") String root;
    @Option(names = "--models", description = "folder for the checkpoints (default ROOT/models)") Path models;
    @Option(names = "--master", description = "Spark master (default local[1])") String master;

    @Override
    public Integer call() {
        SparkSession spark = Sessions.create("specfair finetune-plan " + plan, master != null ? master : "local[1]");
        try {
            StagePlan p = StagePlan.read(plan, spark);
            StageRunner.Summary s = StageRunner.run(spark, p, root, models != null ? models : Path.of(root, "models"));
            for (Lineage.CheckpointRow r : s.checkpoints()) {
                System.err.printf("specfair finetune-plan: %s/%s: %s (%d steps on %s)%n", r.stage(), r.role(), r.path(), r.steps(),
                        r.datasets());
            }
        } finally {
            spark.stop();
        }
        return 0;
    }
}
