package org.specfair.experiment;

import org.specfair.generate.GenerateJob;
import org.specfair.generate.GenerateOptions;
import org.specfair.tables.TableStore;
import org.specfair.tables.Tables;

import org.apache.spark.sql.catalyst.catalog.ExternalCatalogUtils;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** Generation at one stage with that stage's pair: the generations, drafts and tokens partitions (experiment, stage). */
record GenerateStep(String stage) implements Step {
    static String id(String stage) {
        return "generate/" + stage;
    }

    @Override
    public String id() {
        return id(stage);
    }

    @Override
    public String describe() {
        return "generate stage " + stage + " (" + "generations, drafts, tokens)";
    }

    @Override
    public String key(StepContext ctx) {
        StepContext.Model main = ctx.model(stage, "main");
        StepContext.Model assistant = ctx.model(stage, "assistant");
        StringBuilder k = new StringBuilder()
                .append("main=").append(main.fingerprint()).append("|assistant=").append(assistant.fingerprint())
                .append("|decoding=").append(ctx.config.decoding()).append("|seed=").append(ctx.config.seed())
                .append("|prompts=").append(ctx.config.prompts());
        for (String f : ctx.config.prompts().files()) {
            k.append("|").append(ctx.contentFingerprint(f));
        }
        return k.toString();
    }

    @Override
    public Map<String, String> run(StepContext ctx) {
        StepContext.Model main = ctx.model(stage, "main");
        StepContext.Model assistant = ctx.model(stage, "assistant");
        ExperimentConfig.Decoding d = ctx.config.decoding();
        GenerateOptions opts = new GenerateOptions(main.path(), assistant.path(), ctx.config.models().device(),
                ctx.config.models().dtype(), ExperimentFiles.toDecodeConfig(d, ctx.config.seed()), d.numSamples(),
                ctx.config.experiment(), stage, ctx.root, d.partitions(), d.batchSize(),
                d.score() && assistant.path() != null, true, Set.of());
        GenerateJob.Summary s = GenerateJob.run(ctx.spark, opts, ctx.prompts());
        Map<String, String> out = new LinkedHashMap<>();
        out.put("run_id", s.runId());
        out.put("prompts_decoded", String.valueOf(s.promptsDecoded()));
        out.put("prompts_kept", String.valueOf(s.promptsKept()));
        out.put("error_rows", String.valueOf(s.errorRows()));
        out.put("main", main.path());
        out.put("main_fingerprint", main.fingerprint());
        if (assistant.path() != null) {
            out.put("assistant", assistant.path());
            out.put("assistant_fingerprint", assistant.fingerprint());
        }
        return out;
    }

    @Override
    public boolean stillThere(StepContext ctx, Map<String, String> outputs) {
        return TableStore.exists(ctx.spark, TableStore.path(ctx.root, Tables.GENERATIONS)
                + "/" + ExternalCatalogUtils.getPartitionPathString("experiment", ctx.config.experiment())
                + "/" + ExternalCatalogUtils.getPartitionPathString("stage", stage));
    }
}
