package org.specfair.experiment;

import org.specfair.finetune.TermFrequencyJob;

import java.util.List;
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
        TermFrequencyJob.Summary s = TermFrequencyJob.run(ctx.spark, new TermFrequencyJob.Options(ctx.root,
                ctx.config.experiment(), List.of(ctx.datasetSpec(dataset)), null));
        return Map.of("rows", String.valueOf(s.rows()), "dataset_tokens", String.valueOf(s.datasetTokens().get(0)));
    }
}
