package org.specfair.tables;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Registers every Parquet table found under an output root as a temporary view named after its folder,
 * read as {@link TableStore#read} reads it: partition values are the strings written ({@code stage = '01'}).
 */
public final class TableViews {
    private TableViews() {}

    public static List<String> register(SparkSession spark, String root) {
        List<String> names = new ArrayList<>();
        try {
            org.apache.hadoop.fs.Path base = new org.apache.hadoop.fs.Path(root);
            var fs = base.getFileSystem(spark.sparkContext().hadoopConfiguration());
            if (!fs.exists(base)) {
                throw new IllegalArgumentException(root + ": output root does not exist");
            }
            for (var status : fs.listStatus(base)) {
                String name = status.getPath().getName();
                // Only folders holding Parquet are tables: ROOT/report (HTML, PNG) is not.
                if (status.isDirectory() && name.matches("[A-Za-z][A-Za-z0-9_]*") && holdsParquet(fs, status.getPath())) {
                    Dataset<Row> table = TableStore.readFolder(spark, status.getPath().toString());
                    table.createOrReplaceTempView(name);
                    names.add(name);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(root + ": " + e.getMessage(), e);
        }
        names.sort(null);
        return names;
    }

    private static boolean holdsParquet(org.apache.hadoop.fs.FileSystem fs, org.apache.hadoop.fs.Path dir) throws IOException {
        var files = fs.listFiles(dir, true);
        while (files.hasNext()) {
            if (files.next().getPath().getName().endsWith(".parquet")) {
                return true;
            }
        }
        return false;
    }
}
