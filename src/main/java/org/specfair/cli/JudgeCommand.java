package org.specfair.cli;

import org.specfair.judge.ClassifierTraining;
import org.specfair.judge.DemoToxicitySet;
import org.specfair.judge.JudgeJob;
import org.specfair.judge.JudgeOptions;
import org.specfair.judge.JudgeSpec;
import org.specfair.judge.Reliability;
import org.specfair.spark.Sessions;

import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code specfair judge} (and {@code jobs/judge}): label generations with judges; subcommands train the
 * classifier judge, compute reliability tables, and write the demo labelled set.
 */
@Command(name = "judge", description = "Spark job: label generations toxic or not with judges; write judgments.",
        subcommands = {JudgeCommand.TrainClassifier.class, JudgeCommand.ReliabilityCommand.class, JudgeCommand.DemoData.class})
public final class JudgeCommand implements Callable<Integer> {
    @Option(names = "--root", description = "table root (reads ROOT/generations, writes ROOT/judgments)") String root;
    @Option(names = "--experiment") String experiment;
    @Option(names = "--stage", description = "one stage (default: every stage of the experiment)") String stage;
    @Option(names = "--judge", description = "NAME=KIND[:key=value,...], repeatable; KIND llm, llama-guard, honest, classifier") List<String> judges;
    @Option(names = "--counterfactual-pairs", description = "judge identity-swapped statements too: a term,term file or 'default'") String swapPairs;
    @Option(names = "--partitions", defaultValue = "0", description = "Spark tasks for model judges (0 = default parallelism)") int partitions;
    @Option(names = "--batch-size", defaultValue = "8", description = "statements per forward batch") int batchSize;
    @Option(names = "--device", defaultValue = "auto", description = "auto (task GPU, else CPU), cpu, gpu") String device;
    @Option(names = "--no-incremental", description = "judge everything again even if already judged with the same judge_id") boolean noIncremental;
    @Option(names = "--master", description = "Spark master (default: spark-submit's, else local[*])") String master;

    @Override
    public Integer call() {
        if (root == null || experiment == null || judges == null || judges.isEmpty()) {
            throw new IllegalArgumentException("usage: judge --root ROOT --experiment E [--stage S] --judge NAME=KIND[:key=value,...] ...");
        }
        JudgeOptions opts = new JudgeOptions(root, experiment, stage, judges.stream().map(JudgeSpec::parse).toList(),
                partitions, batchSize, device, !noIncremental, swapPairs);
        SparkSession spark = Sessions.create("specfair judge " + experiment, master);
        try {
            JudgeJob.Summary s = JudgeJob.run(spark, opts);
            for (JudgeJob.JudgeSummary j : s.judges()) {
                System.err.printf("specfair judge: %s (judge_id %s): %d judged (%d error rows, %d unparsed), %d already written%n",
                        j.judge(), j.judgeId(), j.judged(), j.errorRows(), j.unparsed(), j.kept());
            }
            System.err.printf("specfair judge: %d model loads; judgments under %s/judgments%n", s.modelLoads(), root);
        } finally {
            spark.stop();
        }
        return 0;
    }

    @Command(name = "train-classifier", description = "Train the classifier judge on a labelled table; print held-out precision/recall/AUC.")
    static final class TrainClassifier implements Callable<Integer> {
        @Option(names = "--data", required = true, description = "CSV (header), JSONL or Parquet with text and label columns") String data;
        @Option(names = "--out", required = true, description = "folder for the saved MLlib pipeline") String out;
        @Option(names = "--text-column", defaultValue = "text") String textColumn;
        @Option(names = "--label-column", defaultValue = "label") String labelColumn;
        @Option(names = "--features", defaultValue = "hashing", description = "hashing or count") String features;
        @Option(names = "--test-percent", defaultValue = "20", description = "held-out share (by text hash)") int testPercent;
        @Option(names = "--master") String master;

        @Override
        public Integer call() {
            SparkSession spark = Sessions.create("specfair train-classifier", master, false);
            try {
                ClassifierTraining.Metrics m = ClassifierTraining.train(spark, data, textColumn, labelColumn, out, features, testPercent);
                System.out.println("classifier saved to " + out + ": " + m);
            } finally {
                spark.stop();
            }
            return 0;
        }
    }

    @Command(name = "reliability", description = "Judge agreement (Cohen's kappa, confusion counts) and counterfactual flip rates.")
    static final class ReliabilityCommand implements Callable<Integer> {
        @Option(names = "--root", required = true) String root;
        @Option(names = "--experiment", required = true) String experiment;
        @Option(names = "--master") String master;

        @Override
        public Integer call() {
            SparkSession spark = Sessions.create("specfair judge reliability " + experiment, master);
            try {
                Reliability.Summary s = Reliability.run(spark, root, experiment);
                System.err.printf("specfair judge reliability: %d judge pairs, %d flip-rate rows; tables %s/judge_agreement, %s/counterfactual_flips%n",
                        s.agreementRows(), s.flipRows(), root, root);
            } finally {
                spark.stop();
            }
            return 0;
        }
    }

    @Command(name = "demo-data", description = "Write the project's demo labelled toxicity set (text,label CSV).")
    static final class DemoData implements Callable<Integer> {
        @Option(names = "--out", defaultValue = "data/judge/demo_toxicity.csv") Path out;

        @Override
        public Integer call() {
            DemoToxicitySet.write(out);
            System.err.println("specfair judge demo-data: " + DemoToxicitySet.rows().size() + " rows -> " + out);
            return 0;
        }
    }
}
