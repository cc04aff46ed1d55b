package org.specfair.tables;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.catalog.ExternalCatalogUtils;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The project's tables on disk: {@code ROOT/<table>/<col>=<value>/...} Parquet folders, read and
 * written the same way by every job.
 *
 * <p>Partition values are strings as written: a stage named {@code 01} or {@code 2026-11-30} reads back
 * as that string (partition type inference is off for every read; see {@link #read}). Writes replace
 * whole partitions (dynamic overwrite), so a rerun replaces and never duplicates.
 */
public final class TableStore {
    private static final Logger LOG = LogManager.getLogger(TableStore.class);

    private TableStore() {}

    /** The folder of a table under a root ({@code root} without trailing slashes). */
    public static String path(String root, String table) {
        return root.replaceAll("/+$", "") + "/" + table;
    }

    /** Whether {@code ROOT/table} exists (a table never written reads as absent, not as an error). */
    public static boolean exists(SparkSession spark, String root, String table) {
        return exists(spark, path(root, table));
    }

    /**
     * Reads a table with its partition columns as strings. Spark would otherwise infer {@code stage=01}
     * as the integer 1, and rows written back would land in a new {@code stage=1} partition.
     */
    public static Dataset<Row> read(SparkSession spark, String root, String table) {
        return readFolder(spark, path(root, table));
    }

    /**
     * Reads one table folder with partition values as strings, whatever the session was built with: the
     * partition schema is fixed when the folder is listed, so inference is switched off for that moment.
     */
    public static Dataset<Row> readFolder(SparkSession spark, String folder) {
        String key = "spark.sql.sources.partitionColumnTypeInference.enabled";
        String before = spark.conf().get(key, "true");
        spark.conf().set(key, "false");
        try {
            return spark.read()
                    .option("basePath", folder)
                    .option("mergeSchema", "false")
                    .parquet(folder);
        } finally {
            spark.conf().set(key, before);
        }
    }

    /** {@link #read} when the table exists, else empty. */
    public static Optional<Dataset<Row>> readIfExists(SparkSession spark, String root, String table) {
        return exists(spark, root, table) ? Optional.of(read(spark, root, table)) : Optional.empty();
    }

    /**
     * Replaces the partitions that {@code rows} touch (by {@code partitionColumns}) and leaves every
     * other partition as it was. Rows must hold the partition columns.
     */
    public static void overwritePartitions(Dataset<Row> rows, String root, String table, List<String> partitionColumns) {
        rows.write()
                .mode(SaveMode.Overwrite)
                .option("partitionOverwriteMode", "dynamic")
                .partitionBy(partitionColumns.toArray(new String[0]))
                .parquet(path(root, table));
    }

    /** Deletes one partition, e.g. {experiment=E, stage=S} (in column order); a missing one is fine. */
    public static void deletePartition(SparkSession spark, String root, String table, Map<String, String> partition) {
        StringBuilder p = new StringBuilder(path(root, table));
        partition.forEach((k, v) -> p.append('/').append(ExternalCatalogUtils.getPartitionPathString(k, v)));
        delete(spark, p.toString());
    }

    public static Configuration hadoop(SparkSession spark) {
        return spark.sparkContext().hadoopConfiguration();
    }

    public static boolean exists(SparkSession spark, String path) {
        try {
            Path p = new Path(path);
            return p.getFileSystem(hadoop(spark)).exists(p);
        } catch (IOException e) {
            throw new UncheckedIOException(path + ": " + e.getMessage(), e);
        }
    }

    /** Recursive delete; failures are logged, not thrown (used for staging folders and stale partitions). */
    public static void delete(SparkSession spark, String path) {
        try {
            Path p = new Path(path);
            FileSystem fs = p.getFileSystem(hadoop(spark));
            fs.delete(p, true);
        } catch (IOException e) {
            LOG.warn("could not delete {}: {}", path, e.getMessage());
        }
    }
}
