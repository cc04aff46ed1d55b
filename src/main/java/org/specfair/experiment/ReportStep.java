package org.specfair.experiment;

import java.util.Map;

/** The report, {@code ROOT/report/index.html}, from the aggregates. */
final class ReportStep implements Step {
    static final String ID = "report";

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String describe() {
        return "report (ROOT/report/index.html)";
    }

    @Override
    public String key(StepContext ctx) {
        return "aggregates=" + ctx.keyOf(AggregateStep.ID);
    }

    String reportDir(StepContext ctx) {
        return ctx.root + "/report";
    }

    @Override
    public Map<String, String> run(StepContext ctx) {
        throw new StepUnavailable("the report is not in this build yet (org.specfair.report.ReportJob, issue 13)");
    }
}
