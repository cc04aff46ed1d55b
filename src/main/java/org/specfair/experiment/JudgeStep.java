package org.specfair.experiment;

import org.specfair.judge.JudgeJob;
import org.specfair.judge.JudgeOptions;
import org.specfair.judge.JudgeSpec;
import org.specfair.tables.TableStore;

import org.apache.spark.sql.catalyst.catalog.ExternalCatalogUtils;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Runs every judge of the experiment on one stage's generations: the {@code judgments} partitions (experiment, stage, judge). */
record JudgeStep(String stage) implements Step {
    static String id(String stage) {
        return "judge/" + stage;
    }

    @Override
    public String id() {
        return id(stage);
    }

    @Override
    public String describe() {
        return "judge stage " + stage;
    }

    @Override
    public String key(StepContext ctx) {
        StringBuilder k = new StringBuilder("generations=").append(ctx.keyOf(GenerateStep.id(stage))).append("|judges=").append(ctx.config.judges());
        for (String spec : ctx.config.judges()) {
            JudgeSpec j = JudgeSpec.parse(spec);
            for (String file : List.of("lexicon", "model")) {  // a retrained classifier or edited lexicon judges again
                String where = j.options().get(file);
                if (where != null) {
                    k.append('|').append(file).append('=').append(ctx.contentFingerprint(where));
                }
            }
        }
        return k.toString();
    }

    @Override
    public Map<String, String> run(StepContext ctx) {
        List<JudgeSpec> judges = ctx.config.judges().stream().map(JudgeSpec::parse).toList();
        JudgeJob.Summary s = JudgeJob.run(ctx.spark, new JudgeOptions(ctx.root, ctx.config.experiment(), stage, judges,
                ctx.config.decoding().partitions(), ctx.config.decoding().batchSize(), ctx.config.models().device(), true, "default"));
        Map<String, String> out = new LinkedHashMap<>();
        for (JudgeJob.JudgeSummary j : s.judges()) {
            out.put(j.judge() + ".judge_id", j.judgeId());
            out.put(j.judge() + ".judged", String.valueOf(j.judged()));
            out.put(j.judge() + ".errors", String.valueOf(j.errorRows()));
            out.put(j.judge() + ".unparsed", String.valueOf(j.unparsed()));
        }
        return out;
    }

    @Override
    public boolean stillThere(StepContext ctx, Map<String, String> outputs) {
        return TableStore.exists(ctx.spark, TableStore.path(ctx.root, "judgments") + "/"
                + ExternalCatalogUtils.getPartitionPathString("experiment", ctx.config.experiment()) + "/"
                + ExternalCatalogUtils.getPartitionPathString("stage", stage));
    }
}
