package org.specfair.experiment;

import org.specfair.finetune.CounterfactualJob;
import org.specfair.finetune.DatasetSpec;
import org.specfair.tables.TableStore;

import java.util.LinkedHashMap;
import java.util.Map;

/** Writes the counterfactually augmented copy of a dataset ({@code counterfactual_of}) under {@code ROOT/_datasets/EXPERIMENT/NAME}. */
record CounterfactualStep(String dataset) implements Step {
    static String id(String dataset) {
        return "counterfactual/" + dataset;
    }

    @Override
    public String id() {
        return id(dataset);
    }

    @Override
    public String describe() {
        return "counterfactual copy " + dataset;
    }

    String source(StepContext ctx) {
        return ctx.config.datasets().get(dataset).counterfactualOf();
    }

    @Override
    public String key(StepContext ctx) {
        return "source=" + ctx.datasetFingerprint(source(ctx));
    }

    String outputPath(StepContext ctx) {
        return ctx.root + "/_datasets/" + ctx.config.experiment() + "/" + dataset;
    }

    /** Augment mode: every original row, plus the identity-swapped copy of each row that changed (Parquet, column text). */
    @Override
    public Map<String, String> run(StepContext ctx) {
        ExperimentConfig.Dataset src = ctx.config.datasets().get(source(ctx));
        CounterfactualJob.Summary s = CounterfactualJob.run(ctx.spark, new CounterfactualJob.Options(
                new DatasetSpec(source(ctx), src.path(), src.format(), src.column()), outputPath(ctx), "augment", null));
        Map<String, String> out = new LinkedHashMap<>();
        out.put("path", s.out());
        out.put("fingerprint", ctx.contentFingerprint(s.out()));
        out.put("rows_in", String.valueOf(s.rowsIn()));
        out.put("rows_out", String.valueOf(s.rowsOut()));
        out.put("changed_rows", String.valueOf(s.changedRows()));
        return out;
    }

    @Override
    public boolean stillThere(StepContext ctx, Map<String, String> outputs) {
        return TableStore.exists(ctx.spark, outputs.get("path")) && ctx.contentFingerprint(outputs.get("path")).equals(outputs.get("fingerprint"));
    }
}
