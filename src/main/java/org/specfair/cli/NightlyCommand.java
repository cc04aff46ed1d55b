package org.specfair.cli;

import org.specfair.experiment.ExperimentBusy;
import org.specfair.experiment.Nightly;
import org.specfair.spark.Sessions;

import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code specfair nightly LIST} (and {@code jobs/nightly}): rerun experiment files incrementally under one
 * root and print what changed since the last night ({@link Nightly}). LIST is a text file naming experiment
 * files (one per line), or experiment files themselves. Exit 0 when every experiment completed (or another
 * nightly run holds the lock: this one then does nothing), 3 when one failed or was incomplete.
 */
@Command(name = "nightly", description = "Rerun experiment files incrementally (one lock, crash-safe) and summarise what changed since last night.")
public final class NightlyCommand implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "LIST", description = "a list file (one experiment file per line, # comments) or experiment .yaml files")
    List<Path> lists;

    @Option(names = "--out", paramLabel = "ROOT", defaultValue = "out/nightly", description = "table root for every experiment (default ${DEFAULT-VALUE})")
    String out;

    @Option(names = "--master", description = "Spark master (default: spark-submit's, else local[*])")
    String master;

    @Option(names = "--date", paramLabel = "YYYY-MM-DD", description = "the date {date} stands for (default: today, UTC)")
    LocalDate date;

    @Override
    public Integer call() {
        List<Path> files = new ArrayList<>();
        for (Path p : lists) {
            String name = p.getFileName().toString();
            files.addAll(name.endsWith(".yaml") || name.endsWith(".yml") ? List.of(p) : Nightly.readList(p));
        }
        SparkSession spark = Sessions.create("specfair nightly", master);
        try {
            List<Nightly.Entry> entries = Nightly.run(spark, files, out, date != null ? date : LocalDate.now(ZoneOffset.UTC),
                    System.err, System.out);
            long bad = entries.stream().filter(e -> !e.status().equals(Nightly.COMPLETE)).count();
            System.out.printf("nightly: %d experiments, %d complete, %d incomplete or failed; tables under %s%n",
                    entries.size(), entries.size() - bad, bad, out);
            return bad == 0 ? 0 : ExperimentCommand.INCOMPLETE;
        } catch (ExperimentBusy busy) {
            System.err.println("specfair nightly: " + busy.getMessage() + "; nothing to do");
            return 0;
        } finally {
            spark.stop();
        }
    }
}
