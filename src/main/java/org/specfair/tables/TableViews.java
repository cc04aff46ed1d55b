package org.specfair.tables;

import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Registers every Parquet table found under an output root (generations, drafts, tokens, judgments, the
 * aggregates ...) as a temporary view named after its folder, read as {@link TableStore#read} reads it:
 * partition values are the strings written ({@code stage = '01'}). Folders holding no Parquet file (a report,
 * staging) are not tables and are skipped.
 */
public final class TableViews {
    private TableViews() {}

    public static List<String> register(SparkSession spark, String root) {
        List<String> names = new ArrayList<>();
        try {
            Path base = new Path(root);
            FileSystem fs = base.getFileSystem(TableStore.hadoop(spark));
            if (!fs.exists(base)) {
                throw new IllegalArgumentException(root + ": output root does not exist");
            }
            for (var status : fs.listStatus(base)) {
                String name = status.getPath().getName();
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

    /** Stops at the first Parquet file, so a large table costs one partial listing. */
    private static boolean holdsParquet(FileSystem fs, Path dir) throws IOException {
        RemoteIterator<LocatedFileStatus> files = fs.listFiles(dir, true);
        while (files.hasNext()) {
            if (files.next().getPath().getName().endsWith(".parquet")) {
                return true;
            }
        }
        return false;
    }
}
