package org.specfair.cli;

import org.specfair.experiment.ExperimentFile;
import org.specfair.experiment.ExperimentFiles;
import org.specfair.experiment.ExperimentRunner;
import org.specfair.spark.Sessions;

import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.concurrent.Callable;

/**
 * {@code specfair experiment FILE} (and {@code jobs/experiment}): read the experiment file strictly (a bad
 * file exits 2 before any work), then run its steps ({@link ExperimentRunner}). Progress on stderr; the
 * summary and where the report is on stdout. Exit 0 when every step ran or was reused, 3 when some step
 * is not available in this build.
 */
@Command(name = "experiment", description = "Run an experiment file: finetune, generate, judge, aggregate, report; reuse what is done.")
public final class ExperimentCommand implements Callable<Integer> {
    /** Exit status of a run that could not do every step (the summary names them). */
    public static final int INCOMPLETE = 3;

    @Parameters(index = "0", paramLabel = "FILE", description = "experiment file (conf/experiments/NAME.yaml)")
    Path file;

    @Option(names = "--out", paramLabel = "ROOT", description = "table root (default: out/EXPERIMENT)")
    String out;

    @Option(names = "--master", description = "Spark master (default: spark-submit's, else local[*])")
    String master;

    @Option(names = "--date", paramLabel = "YYYY-MM-DD", description = "the date {date} stands for in names (default: today, UTC)")
    LocalDate date;

    @Override
    public Integer call() {
        ExperimentFile experiment = ExperimentFiles.read(file, date != null ? date : LocalDate.now(ZoneOffset.UTC));
        String root = out != null ? out : "out/" + experiment.config().experiment();
        SparkSession spark = Sessions.create("specfair experiment " + experiment.config().experiment(), master);
        try {
            ExperimentRunner.Summary s = ExperimentRunner.run(spark, experiment, root, System.err);
            print(s);
            return s.complete() ? 0 : INCOMPLETE;
        } finally {
            spark.stop();
        }
    }

    /** The run in a few lines on stdout. */
    static void print(ExperimentRunner.Summary s) {
        System.out.printf("experiment %s: %d steps ran, %d reused, %d not available; tables under %s%n", s.experiment(),
                s.count(ExperimentRunner.RAN), s.count(ExperimentRunner.REUSED), s.count(ExperimentRunner.NOT_AVAILABLE), s.root());
        for (ExperimentRunner.StepOutcome o : s.steps()) {
            if (o.status().equals(ExperimentRunner.NOT_AVAILABLE)) {
                System.out.printf("  not available: %s: %s%n", o.step(), o.detail());
            }
        }
        System.out.println(s.report() != null ? "report: " + s.report() : "report: not written (see the steps above)");
    }
}
