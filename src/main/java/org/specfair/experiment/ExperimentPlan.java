package org.specfair.experiment;

import java.util.ArrayList;
import java.util.List;

/**
 * The steps of an experiment, in the order they run: the demo pair (when made), counterfactual copies and
 * term counts of the datasets the stages train on, then per stage its finetuning (main, then assistant)
 * and its generation, then judging per stage, aggregation and the report.
 */
final class ExperimentPlan {
    private ExperimentPlan() {}

    static List<Step> of(ExperimentConfig c) {
        List<Step> steps = new ArrayList<>();
        if ("demo".equals(c.models().make())) {
            steps.add(new DemoPairStep());
        }
        List<String> inUse = ExperimentFiles.datasetsInUse(c);
        for (String d : inUse) {
            if (c.datasets().get(d).counterfactualOf() != null) {
                steps.add(new CounterfactualStep(d));
            }
        }
        for (String d : inUse) {
            steps.add(new TermCountsStep(d));
        }
        for (ExperimentConfig.Stage s : c.stages()) {
            if (!s.main().isEmpty()) {
                steps.add(new FinetuneStep(s.name(), "main"));
            }
            if (!s.assistant().isEmpty()) {
                steps.add(new FinetuneStep(s.name(), "assistant"));
            }
            steps.add(new GenerateStep(s.name()));
        }
        if (!c.judges().isEmpty()) {
            for (ExperimentConfig.Stage s : c.stages()) {
                steps.add(new JudgeStep(s.name()));
            }
        }
        if (c.aggregate()) {
            steps.add(new AggregateStep());
            if (c.report()) {
                steps.add(new ReportStep());
            }
        }
        return steps;
    }
}
