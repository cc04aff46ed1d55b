package org.specfair.cli;

import org.specfair.finetune.DatasetSpec;
import org.specfair.finetune.FinetuneJob;
import org.specfair.finetune.FinetuneOptions;
import org.specfair.finetune.Lineage;
import org.specfair.finetune.StageRunner;
import org.specfair.finetune.TrainConfig;
import org.specfair.prompts.Prompt;
import org.specfair.prompts.PromptColumns;
import org.specfair.prompts.PromptSource;
import org.specfair.spark.Sessions;

import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code specfair finetune} (and {@code jobs/finetune}): finetune one model on datasets in order; write a HF checkpoint. */
@Command(name = "finetune", description = "Finetune a causal LM on text datasets in order; write a Hugging Face checkpoint.")
public final class FinetuneCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "base checkpoint folder (path or hdfs:// / s3a:// URI)") String model;
    @Option(names = "--dataset", required = true, description = "NAME=PATH[,column=C][,format=parquet|jsonl|csv|tsv|text]; repeat for a sequence")
    List<String> datasets;
    @Option(names = "--out", required = true, description = "output checkpoint folder: a local path or a Hadoop URI (hdfs://, s3a://, file://)") String out;
    @Option(names = "--set", description = "hyper-parameter KEY=VALUE (context_length, batch_size, grad_accumulation, learning_rate,"
            + " schedule, warmup_steps, weight_decay, max_steps, epochs, clip_norm, val_fraction, milestone_every, save_every, seed, precision, ...)")
    Map<String, String> settings = new LinkedHashMap<>();
    @Option(names = "--partner", description = "checkpoint the milestone KL is measured against") String partner;
    @Option(names = "--probe", description = "probe prompts for the milestone KL (with --partner)") String probe;
    @Option(names = "--probe-format", defaultValue = "tsv", description = "honest, csv, tsv, jsonl (default ${DEFAULT-VALUE})") String probeFormat;
    @Option(names = "--probe-text-column", defaultValue = "prompt") String probeText;
    @Option(names = "--probe-group-column", defaultValue = "category") String probeGroup;
    @Option(names = "--precision", description = "fp32 (default), fp16 (float16 compute on float32 master weights, loss scaling)"
            + " or auto (fp16 on a GPU, fp32 on CPU); the same as --set precision=...") String precision;
    @Option(names = "--device", defaultValue = "auto", description = "auto (the Spark task's GPU, else CPU), cpu, gpu, gpu:N") String device;
    @Option(names = "--root", description = "output root: record the checkpoint and milestones tables there (needs --experiment, --stage, --role)") String root;
    @Option(names = "--experiment") String experiment;
    @Option(names = "--stage") String stage;
    @Option(names = "--parent-stage") String parentStage;
    @Option(names = "--role", description = "main or assistant") String role;
    @Option(names = "--master", description = "Spark master (default local[1]: training runs in this process on every core)") String master;

    @Override
    public Integer call() {
        TrainConfig config = TrainConfig.DEFAULTS.withAll(settings);
        if (precision != null) {
            config = config.with("precision", precision);
        }
        List<DatasetSpec> specs = datasets.stream().map(DatasetSpec::parse).toList();
        if (root != null && (experiment == null || stage == null || role == null)) {
            throw new IllegalArgumentException("--root records tables: give --experiment, --stage and --role too");
        }
        SparkSession spark = Sessions.create("specfair finetune " + out, master != null ? master : "local[1]");
        try {
            List<Prompt> prompts = probe == null ? List.of()
                    : PromptSource.load(List.of(Path.of(probe)), probeFormat, PromptColumns.of(probeText, probeGroup), "all", spark);
            if (root != null) {
                Lineage.CheckpointRow row = StageRunner.runRole(spark, root, new StageRunner.RoleRun(experiment, stage, parentStage,
                        role, model, specs, out, config, device, partner, prompts));
                System.err.printf("specfair finetune: %s after %d steps on %s (fingerprint %s); tables under %s%n",
                        row.path(), row.steps(), row.datasets(), row.fingerprint(), root);
            } else {
                FinetuneJob.Summary s = FinetuneJob.run(spark, new FinetuneOptions(model, specs, out, config, device, "float32",
                        partner, prompts));
                System.err.printf("specfair finetune: %s after %d steps on %s: train loss %s, validation loss %s (fingerprint %s)%n",
                        s.out(), s.steps(), s.datasets(), s.finalTrainLoss(), s.finalValLoss(), s.fingerprint());
            }
        } finally {
            spark.stop();
        }
        return 0;
    }
}
