package org.specfair.cli;

import org.specfair.finetune.CounterfactualJob;
import org.specfair.finetune.DatasetSpec;
import org.specfair.spark.Sessions;

import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

/** {@code specfair counterfactual}: a counterfactually augmented copy of a text dataset (Parquet). */
@Command(name = "counterfactual", description = "Write a counterfactually augmented copy of a text dataset (identity terms swapped both ways).")
public final class CounterfactualCommand implements Callable<Integer> {
    @Option(names = "--dataset", required = true, description = "NAME=PATH[,column=C][,format=parquet|jsonl|csv|tsv|text]") String dataset;
    @Option(names = "--out", required = true, description = "output Parquet folder (path or Hadoop URI)") String out;
    @Option(names = "--mode", defaultValue = "augment", description = "augment (originals + swapped copies of changed rows) or swap (default ${DEFAULT-VALUE})") String mode;
    @Option(names = "--pairs", description = "pair list (word<TAB>word per line; default: the project's list)") String pairs;
    @Option(names = "--master", description = "Spark master (default local[*])") String master;

    @Override
    public Integer call() {
        CounterfactualJob.Options o = new CounterfactualJob.Options(DatasetSpec.parse(dataset), out, mode, pairs);
        SparkSession spark = Sessions.create("specfair counterfactual " + out, master);
        try {
            CounterfactualJob.Summary s = CounterfactualJob.run(spark, o);
            System.err.printf("specfair counterfactual: %d rows in, %d changed, %d rows written to %s%n", s.rowsIn(), s.changedRows(),
                    s.rowsOut(), s.out());
            s.swapsPerPair().forEach((pair, n) -> System.out.println(pair + "\t" + n));
        } finally {
            spark.stop();
        }
        return 0;
    }
}
