package org.specfair.generate;

import org.specfair.decode.Generation;
import org.specfair.prompts.Prompt;
import org.specfair.checkpoint.ResolvedCheckpoint;
import org.specfair.spark.ExecutorModels;
import org.specfair.spark.SerializableHadoopConf;
import org.specfair.spark.TaskDevice;
import org.specfair.spark.TorchThreads;

import org.apache.hadoop.conf.Configuration;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.util.LongAccumulator;

import java.util.Iterator;
import java.util.List;

/**
 * What one Spark task does: pick its device, get both models from the executor cache, decode its
 * prompts batch by batch as Spark reads the rows (a lazy iterator: memory bounded by the batch, not
 * the partition), log progress. Runs on executors; everything it needs is serialisable.
 */
final class PartitionTask implements FlatMapFunction<Iterator<Prompt>, Row> {
    private static final Logger LOG = LogManager.getLogger(PartitionTask.class);

    private final GenerateOptions opts;
    private final RunInfo run;
    private final ResolvedCheckpoint main;
    private final ResolvedCheckpoint assistant;
    private final LongAccumulator modelLoads;
    private final LongAccumulator promptsDone;
    private final SerializableHadoopConf hadoop;

    PartitionTask(GenerateOptions opts, RunInfo run, ResolvedCheckpoint main, ResolvedCheckpoint assistant,
                  LongAccumulator modelLoads, LongAccumulator promptsDone, Configuration hadoop) {
        this.opts = opts;
        this.run = run;
        this.main = main;
        this.assistant = assistant;
        this.modelLoads = modelLoads;
        this.promptsDone = promptsDone;
        this.hadoop = new SerializableHadoopConf(hadoop);
    }

    @Override
    public Iterator<Row> call(Iterator<Prompt> input) {
        TaskContext task = TaskContext.get();
        int partition = task == null ? 0 : task.partitionId();
        if (!input.hasNext()) {
            return List.<Row>of().iterator();
        }
        TorchThreads.forTask(task == null ? 0 : task.cpus());
        String device = TaskDevice.of(opts.device(), task);
        ExecutorModels.Loaded m = ExecutorModels.get(main, device, opts.dtype(), hadoop.get(), () -> modelLoads.add(1));
        ExecutorModels.Loaded a = assistant == null ? null
                : ExecutorModels.get(assistant, device, opts.dtype(), hadoop.get(), () -> modelLoads.add(1));
        long t0 = System.nanoTime();
        long[] totals = new long[4]; // items, tokens, proposed, accepted
        Iterator<Row> rows = new PromptDecoder(opts, run, m, a).decodeLazily(input, batch -> {
            for (Generation g : batch) {
                totals[0]++;
                totals[1] += g.completionIds().length;
                totals[2] += g.proposed();
                totals[3] += g.accepted();
            }
            promptsDone.add(batch.size());
            double secs = (System.nanoTime() - t0) / 1e9;
            LOG.info("partition {} on {}: {} decoded, {} prompts/s, {} tokens/s, acceptance {}", partition, device,
                    totals[0], String.format("%.2f", totals[0] / secs), String.format("%.1f", totals[1] / secs),
                    totals[2] == 0 ? "n/a" : String.format("%.3f", (double) totals[3] / totals[2]));
        });
        if (task != null && task.attemptNumber() == 0 && opts.failFirstAttempt().contains(partition)) {
            return failAtEnd(rows, partition);
        }
        return rows;
    }

    /** Test hook: the rows, then a failure once they are all decoded (the latest point a task can fail). */
    private static Iterator<Row> failAtEnd(Iterator<Row> rows, int partition) {
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                if (!rows.hasNext()) {
                    throw new IllegalStateException("injected failure in partition " + partition + " (first attempt)");
                }
                return true;
            }

            @Override
            public Row next() {
                return rows.next();
            }
        };
    }
}
