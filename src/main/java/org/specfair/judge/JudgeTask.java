package org.specfair.judge;

import org.specfair.prompts.IdentitySwap;
import org.specfair.spark.SerializableHadoopConf;
import org.specfair.spark.TaskDevice;
import org.specfair.spark.TorchThreads;

import org.apache.hadoop.conf.Configuration;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.util.LongAccumulator;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * What one Spark task does for a model or lexicon judge: get the judge (its checkpoint from the
 * executor-wide cache), judge the task's generations in batches, and, when counterfactuals are on,
 * the identity-swapped statements in the same batches. Input rows: {@link JudgeJob#INPUT_COLUMNS};
 * output rows: (judgment, counterfactual-or-null) as in {@link JudgeJob#RESULT}.
 */
final class JudgeTask implements FlatMapFunction<Iterator<Row>, Row> {
    private static final Logger LOG = LogManager.getLogger(JudgeTask.class);

    private final JudgeConfig judge;
    private final int batchSize;
    private final String device;
    private final IdentitySwap swap;
    private final LongAccumulator modelLoads;
    private final SerializableHadoopConf hadoop;

    JudgeTask(JudgeConfig judge, int batchSize, String device, IdentitySwap swap, LongAccumulator modelLoads, Configuration hadoop) {
        this.judge = judge;
        this.batchSize = batchSize;
        this.device = device;
        this.swap = swap;
        this.modelLoads = modelLoads;
        this.hadoop = new SerializableHadoopConf(hadoop);
    }

    @Override
    public Iterator<Row> call(Iterator<Row> input) {
        List<Row> rows = new ArrayList<>();
        input.forEachRemaining(rows::add);
        if (rows.isEmpty()) {
            return List.<Row>of().iterator();
        }
        TaskContext task = TaskContext.get();
        TorchThreads.forTask(task == null ? 0 : task.cpus());
        Judge j = judge.open(TaskDevice.of(device, task), hadoop.get(), () -> modelLoads.add(1));
        List<Row> out = new ArrayList<>(rows.size());
        long t0 = System.nanoTime();
        for (int from = 0; from < rows.size(); from += batchSize) {
            List<Row> batch = rows.subList(from, Math.min(rows.size(), from + batchSize));
            out.addAll(judgeBatch(j, batch));
            double secs = (System.nanoTime() - t0) / 1e9;
            LOG.info("judge {} partition {}: {}/{} statements, {} statements/s", judge.name(),
                    task == null ? 0 : task.partitionId(), Math.min(rows.size(), from + batchSize), rows.size(),
                    String.format("%.2f", Math.min(rows.size(), from + batchSize) / secs));
        }
        return out.iterator();
    }

    /** Judges the batch's statements (and their swapped twins) in one call; generation errors are error rows. */
    List<Row> judgeBatch(Judge j, List<Row> batch) {
        List<Statement> statements = new ArrayList<>();
        List<Integer> original = new ArrayList<>();
        List<Integer> twin = new ArrayList<>();
        List<String> twinText = new ArrayList<>();
        for (Row r : batch) {
            if (r.isNullAt(r.fieldIndex("error")) && !r.isNullAt(r.fieldIndex("completion"))) {
                Statement s = new Statement(r.getAs("prompt"), r.getAs("completion"));
                original.add(statements.size());
                statements.add(s);
                Statement swapped = swap == null ? null : new Statement(swap.swap(s.prompt()), swap.swap(s.completion()));
                boolean changed = swapped != null && !swapped.text(judge.includePrompt()).equals(s.text(judge.includePrompt()));
                twin.add(changed ? statements.size() : -1);
                twinText.add(changed ? swapped.text(judge.includePrompt()) : null);
                if (changed) {
                    statements.add(swapped);
                }
            } else {
                original.add(-1);
                twin.add(-1);
                twinText.add(null);
            }
        }
        List<Verdict> verdicts = statements.isEmpty() ? List.of() : j.judge(statements);
        List<Row> out = new ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            Row r = batch.get(i);
            Verdict v = original.get(i) < 0
                    ? Verdict.failed("no completion to judge: generation failed: " + r.getAs("error"))
                    : verdicts.get(original.get(i));
            Row counterfactual = twin.get(i) < 0 ? null
                    : JudgeJob.counterfactualRow(r, judge, twinText.get(i), v, verdicts.get(twin.get(i)));
            out.add(RowFactory.create(JudgeJob.judgmentRow(r, judge, v), counterfactual));
        }
        return out;
    }
}
