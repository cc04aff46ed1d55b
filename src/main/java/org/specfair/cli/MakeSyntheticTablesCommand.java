package org.specfair.cli;

import org.specfair.demo.SyntheticTables;
import org.specfair.spark.Sessions;

import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

/** {@code specfair make-synthetic-tables}: drawn (not decoded) tables with a planted group bias, for notebooks, reports and benchmarks. */
@Command(name = "make-synthetic-tables",
        description = "Write synthetic generations/drafts/tokens/judgments/milestones/checkpoints (experiment 'synthetic', stages base,"
                + " main-sst2, both-imdb; four groups with a planted bias) under ROOT. Numbers are drawn, not decoded.")
public final class MakeSyntheticTablesCommand implements Callable<Integer> {
    @Option(names = "--out", required = true, paramLabel = "ROOT") String out;
    @Option(names = "--prompts-per-group", defaultValue = "50") int promptsPerGroup;
    @Option(names = "--samples", defaultValue = "2") int samples;
    @Option(names = "--tokens-per-sample", defaultValue = "8") int tokensPerSample;
    @Option(names = "--no-judgments", description = "leave out judgments, milestones and checkpoints") boolean noJudgments;
    @Option(names = "--master", description = "Spark master (default local[*])") String master;

    @Override
    public Integer call() {
        if (promptsPerGroup < 1 || samples < 1 || tokensPerSample < 1) {
            throw new IllegalArgumentException("--prompts-per-group, --samples and --tokens-per-sample must be at least 1");
        }
        SparkSession spark = Sessions.create("specfair make-synthetic-tables", master);
        try {
            Map<String, Long> rows = SyntheticTables.write(spark, out,
                    new SyntheticTables.Size(promptsPerGroup, samples, tokensPerSample), !noJudgments);
            new TreeMap<>(rows).forEach((table, n) -> System.out.println(table + "\t" + n));
        } finally {
            spark.stop();
        }
        return 0;
    }
}
