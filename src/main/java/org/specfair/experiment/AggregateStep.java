package org.specfair.experiment;

import org.specfair.aggregate.AggregateJob;
import org.specfair.tables.TableStore;
import org.specfair.tables.Tables;

import org.apache.spark.sql.catalyst.catalog.ExternalCatalogUtils;

import java.util.LinkedHashMap;
import java.util.Map;

/** Group metrics, transitions, distributions and significance for the experiment, from all its stages. */
final class AggregateStep implements Step {
    static final String ID = "aggregate";

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String describe() {
        return "aggregate (group_metrics, transitions, distributions, significance)";
    }

    /**
     * The generations (and judgments) of every stage that has them: a stage that could not run leaves the
     * others' aggregates worth having, and when it runs later the key changes and aggregation reruns.
     */
    @Override
    public String key(StepContext ctx) {
        StringBuilder k = new StringBuilder();
        int stages = 0;
        for (ExperimentConfig.Stage s : ctx.config.stages()) {
            String generated = ctx.keyIfDone(GenerateStep.id(s.name()));
            stages += generated.equals("none") ? 0 : 1;
            k.append(s.name()).append(':').append(generated);
            if (!ctx.config.judges().isEmpty()) {
                k.append('/').append(ctx.keyIfDone(JudgeStep.id(s.name())));
            }
            k.append('|');
        }
        if (stages == 0) {
            throw new StepUnavailable("no stage has generations to aggregate");
        }
        return k.toString();
    }

    @Override
    public Map<String, String> run(StepContext ctx) {
        AggregateJob.Summary s = AggregateJob.run(ctx.spark, ctx.root, ctx.config.experiment());
        Map<String, String> out = new LinkedHashMap<>();
        out.put("group_metrics_rows", String.valueOf(s.groupMetricRows()));
        out.put("transitions_rows", String.valueOf(s.transitionRows()));
        out.put("distributions_rows", String.valueOf(s.distributionRows()));
        out.put("significance_rows", String.valueOf(s.significanceRows()));
        return out;
    }

    @Override
    public boolean stillThere(StepContext ctx, Map<String, String> outputs) {
        return TableStore.exists(ctx.spark, TableStore.path(ctx.root, Tables.GROUP_METRICS) + "/"
                + ExternalCatalogUtils.getPartitionPathString("experiment", ctx.config.experiment()));
    }
}
