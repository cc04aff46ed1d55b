package org.specfair.cli;

import org.specfair.spark.Sessions;
import org.specfair.tables.CsvOut;
import org.specfair.tables.TableStore;
import org.specfair.tables.TableViews;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code specfair export --root ROOT --out DIR [--tables a,b]}: tables as CSV files (DIR/NAME.csv, header, the
 * sql command's format) in one JVM, for tools without a Parquet reader (the notebooks without PySpark or pyarrow).
 */
@Command(name = "export", description = "Write tables under ROOT as DIR/NAME.csv (default: every table except the per-token ones).")
public final class ExportCommand implements Callable<Integer> {
    /** Per-token and per-draft tables can be millions of rows: exported only when named. */
    static final List<String> LARGE = List.of("tokens", "drafts");

    @Option(names = "--root", required = true) String root;
    @Option(names = "--out", required = true, paramLabel = "DIR") Path out;
    @Option(names = "--tables", split = ",", description = "tables to export (default: all but tokens and drafts)") List<String> tables;
    @Option(names = "--master", description = "Spark master (default local[*])") String master;

    @Override
    public Integer call() {
        SparkSession spark = Sessions.create("specfair export", master, false);
        try {
            spark.sparkContext().setLogLevel("ERROR");
            List<String> present = TableViews.register(spark, root);
            List<String> wanted = tables != null ? tables : present.stream().filter(t -> !LARGE.contains(t)).toList();
            Files.createDirectories(out);
            for (String table : wanted) {
                if (!present.contains(table)) {
                    throw new IllegalArgumentException(TableStore.path(root, table) + ": no such table (present: " + String.join(", ", present) + ")");
                }
                Dataset<Row> rows = spark.table(table);
                Path tmp = out.resolve(table + ".csv.tmp");
                try (PrintStream ps = new PrintStream(Files.newOutputStream(tmp), false, java.nio.charset.StandardCharsets.UTF_8)) {
                    CsvOut.print(rows.schema(), rows.toLocalIterator(), ps);
                }
                Files.move(tmp, out.resolve(table + ".csv"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                System.out.println(out.resolve(table + ".csv"));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(out + ": " + e.getMessage(), e);
        } finally {
            spark.stop();
        }
        return 0;
    }
}
