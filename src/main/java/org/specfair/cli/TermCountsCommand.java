package org.specfair.cli;

import org.specfair.finetune.DatasetSpec;
import org.specfair.finetune.TermFrequencyJob;
import org.specfair.spark.Sessions;

import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.List;
import java.util.concurrent.Callable;

/** {@code specfair term-counts}: identity-term occurrences per HONEST category and dataset into {@code term_counts}. */
@Command(name = "term-counts", description = "Count identity terms per HONEST category in datasets; write the term_counts table.")
public final class TermCountsCommand implements Callable<Integer> {
    @Option(names = "--dataset", required = true, description = "NAME=PATH[,column=C][,format=F]; repeat for several") List<String> datasets;
    @Option(names = "--root", required = true, description = "output root (the table goes to ROOT/term_counts)") String root;
    @Option(names = "--experiment", required = true) String experiment;
    @Option(names = "--terms", description = "term list (category<TAB>term per line; default: the project's HONEST list)") String terms;
    @Option(names = "--master", description = "Spark master (default local[*])") String master;

    @Override
    public Integer call() {
        TermFrequencyJob.Options o = new TermFrequencyJob.Options(root, experiment, datasets.stream().map(DatasetSpec::parse).toList(), terms);
        SparkSession spark = Sessions.create("specfair term-counts " + experiment, master);
        try {
            TermFrequencyJob.Summary s = TermFrequencyJob.run(spark, o);
            System.err.printf("specfair term-counts: %d rows (words per dataset %s) under %s%n", s.rows(), s.datasetTokens(), root);
        } finally {
            spark.stop();
        }
        return 0;
    }
}
