package org.specfair.cli;

import org.specfair.aggregate.AggregateJob;
import org.specfair.spark.Sessions;

import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

/** {@code specfair aggregate} (and {@code jobs/aggregate}): group metrics, transitions, distributions, significance. */
@Command(name = "aggregate", description = "Spark job: aggregate generations/tokens/drafts/judgments by group and stage into group_metrics, transitions, distributions, significance.")
public final class AggregateCommand implements Callable<Integer> {
    @Option(names = "--root", required = true, description = "output root holding generations/ (and tokens/, drafts/, judgments/, checkpoints/)") String root;
    @Option(names = "--experiment", description = "aggregate only this experiment (default: every experiment under the root)") String experiment;
    @Option(names = "--master", description = "Spark master (default: spark-submit's, else local[*])") String master;

    @Override
    public Integer call() {
        SparkSession spark = Sessions.create("specfair aggregate", master);
        try {
            AggregateJob.Summary s = AggregateJob.run(spark, root, experiment);
            System.out.printf("aggregated %s: %d group_metrics, %d transitions, %d distributions, %d significance rows%n",
                    String.join(",", s.experiments()), s.groupMetricRows(), s.transitionRows(), s.distributionRows(), s.significanceRows());
        } finally {
            spark.stop();
        }
        return 0;
    }
}
