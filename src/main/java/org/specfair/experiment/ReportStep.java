package org.specfair.experiment;

import org.specfair.report.ReportJob;

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
        ReportJob.Summary s = ReportJob.run(ctx.spark, ctx.root, reportDir(ctx));
        return Map.of("index", s.page().toString(), "charts", String.valueOf(s.charts()),
                "omitted", String.join("; ", s.omitted()));
    }

    @Override
    public boolean stillThere(StepContext ctx, Map<String, String> outputs) {
        return java.nio.file.Files.isRegularFile(java.nio.file.Path.of(outputs.get("index")));
    }
}
