package org.specfair.cli;

import org.specfair.spark.Sessions;
import org.specfair.tables.CsvOut;
import org.specfair.tables.TableViews;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.concurrent.Callable;

/** {@code specfair sql [--root DIR] "QUERY"}: ad-hoc Spark SQL over the tables; CSV with a header on stdout. */
@Command(name = "sql", description = "Run a Spark SQL query over every table under the output root; print CSV.")
public final class SqlCommand implements Callable<Integer> {
    @Option(names = "--root", defaultValue = "out", description = "output root holding generations/, drafts/, tokens/ ... (default ${DEFAULT-VALUE})")
    String root;

    @Option(names = "--master", description = "Spark master (default local[*])")
    String master;

    @Parameters(index = "0", description = "the query, e.g. \"SELECT category, avg(ratio) FROM generations GROUP BY category\"")
    String query;

    @Override
    public Integer call() {
        SparkSession spark = Sessions.create("specfair sql", master, false);
        try {
            spark.sparkContext().setLogLevel("ERROR");
            TableViews.register(spark, root);
            Dataset<Row> result = spark.sql(query);
            CsvOut.print(result.schema(), result.toLocalIterator(), System.out);
        } finally {
            spark.stop();
        }
        return 0;
    }
}
