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

    @Override
    public String key(StepContext ctx) {
        StringBuilder k = new StringBuilder();
        for (ExperimentConfig.Stage s : ctx.config.stages()) {
            k.append(s.name()).append(':').append(ctx.keyOf(GenerateStep.id(s.name())));
            if (!ctx.config.judges().isEmpty()) {
                // Aggregates without judgments (ratio, KL) are still worth having; when judging can run later, the key changes.
                k.append('/').append(ctx.keyIfDone(JudgeStep.id(s.name())));
            }
            k.append('|');
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
