package org.specfair.cli;

import org.specfair.report.ReportJob;
import org.specfair.spark.Sessions;

import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

/** {@code specfair report} (and {@code jobs/report}): the offline HTML page with PNG charts of the aggregates. */
@Command(name = "report", description = "Write DIR/index.html and PNG charts from the aggregate tables under ROOT (run aggregate first); opens offline.")
public final class ReportCommand implements Callable<Integer> {
    @Option(names = "--root", required = true, description = "output root holding group_metrics/ (and transitions/, distributions/, significance/, milestones/)") String root;
    @Option(names = "--out", required = true, paramLabel = "DIR", description = "folder for index.html and the charts") String out;
    @Option(names = "--master", description = "Spark master (default local[*])") String master;

    @Override
    public Integer call() {
        SparkSession spark = Sessions.create("specfair report", master);
        try {
            ReportJob.Summary s = ReportJob.run(spark, root, out);
            System.out.println(s.page().toAbsolutePath() + " (" + s.charts() + " charts)");
            s.omitted().forEach(line -> System.out.println("omitted: " + line));
        } finally {
            spark.stop();
        }
        return 0;
    }
}
