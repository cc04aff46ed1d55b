package org.specfair.cli;

import org.specfair.spark.Sessions;
import org.specfair.tables.CsvOut;
import org.specfair.tables.NamedQuery;
import org.specfair.tables.TableViews;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code specfair sql [--root DIR] "QUERY"} or {@code specfair sql --root DIR --query NAME [--param k=v ...]}:
 * Spark SQL over every table under the root (each folder a view of its name); CSV with a header on stdout.
 * Named queries live in conf/sql/NAME.sql ({@code --list} names them).
 */
@Command(name = "sql", description = "Run a Spark SQL query (or a named one from conf/sql) over every table under the output root; print CSV.")
public final class SqlCommand implements Callable<Integer> {
    @Option(names = "--root", defaultValue = "out", description = "output root holding generations/, drafts/, tokens/ ... (default ${DEFAULT-VALUE})")
    String root;

    @Option(names = "--master", description = "Spark master (default local[*])")
    String master;

    @Option(names = "--query", paramLabel = "NAME", description = "a named query: conf/sql/NAME.sql (see --list)")
    String name;

    @Option(names = "--param", paramLabel = "KEY=VALUE", description = "a named query's parameter (repeatable)")
    Map<String, String> params = new LinkedHashMap<>();

    @Option(names = "--sql-dir", paramLabel = "DIR", description = "look for NAME.sql here first (your own named queries)")
    Path sqlDir;

    @Option(names = "--list", description = "print the named queries and their parameters, then exit")
    boolean list;

    @Parameters(index = "0", arity = "0..1", description = "the query, e.g. \"SELECT category, avg(ratio) FROM generations GROUP BY category\"")
    String query;

    @Override
    public Integer call() {
        if (list) {
            for (String n : NamedQuery.packaged()) {
                System.out.println(n + " " + NamedQuery.load(n, null).defaults());
            }
            return 0;
        }
        if ((query == null) == (name == null)) {
            throw new IllegalArgumentException("give either a query or --query NAME (named queries: " + String.join(", ", NamedQuery.packaged()) + ")");
        }
        if (query != null && !params.isEmpty()) {
            throw new IllegalArgumentException("--param goes with --query NAME");
        }
        String sql = query != null ? query : NamedQuery.load(name, sqlDir).bind(params);
        SparkSession spark = Sessions.create("specfair sql", master, false);
        try {
            spark.sparkContext().setLogLevel("ERROR");
            TableViews.register(spark, root);
            Dataset<Row> result = spark.sql(sql);
            CsvOut.print(result.schema(), result.toLocalIterator(), System.out);
        } finally {
            spark.stop();
        }
        return 0;
    }
}
