package org.specfair.experiment;

import java.util.Map;

/** Counts identity terms per category in a finetuning dataset: the {@code term_counts} partition of the experiment. */
record TermCountsStep(String dataset) implements Step {
    static String id(String dataset) {
        return "term-counts/" + dataset;
    }

    @Override
    public String id() {
        return id(dataset);
    }

    @Override
    public String describe() {
        return "term counts of " + dataset;
    }

    @Override
    public String key(StepContext ctx) {
        return "data=" + ctx.datasetFingerprint(dataset);
    }

    @Override
    public Map<String, String> run(StepContext ctx) {
        throw new StepUnavailable("term counts are not in this build yet (org.specfair.finetune.TermFrequencyJob, issue 12)");
    }
}
