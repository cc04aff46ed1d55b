package org.specfair.experiment;

import java.util.Map;

/** Writes the counterfactually augmented copy of a dataset ({@code counterfactual_of}) under {@code ROOT/datasets/EXPERIMENT/NAME}. */
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
        return ctx.root + "/datasets/" + ctx.config.experiment() + "/" + dataset;
    }

    @Override
    public Map<String, String> run(StepContext ctx) {
        throw new StepUnavailable("counterfactual augmentation is not in this build yet (org.specfair.finetune.CounterfactualJob, issue 12)");
    }
}
