package org.specfair.tables;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.catalog.ExternalCatalogUtils;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.StructType;

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

    /**
     * Replaces rows of a small table piecewise: the partition that {@code rows} belong to is rewritten as its
     * current rows, minus those with the same {@code keyColumns} values as one of {@code rows}, plus {@code rows}.
     * For tables written a few rows at a time by separate runs (a stage's main and assistant both land in
     * one milestones partition). The partition is read to the driver first, so reading and overwriting the
     * same files never overlap.
     */
    public static void replaceRows(SparkSession spark, String root, String table, StructType schema,
                                   List<String> partitionColumns, List<String> keyColumns, List<Row> rows) {
        if (rows.isEmpty()) {
            return;
        }
        Dataset<Row> fresh = spark.createDataFrame(rows, schema);
        Row first = fresh.select(partitionColumns.stream().map(functions::col).toArray(Column[]::new)).first();
        for (Row r : rows) {
            for (int i = 0; i < partitionColumns.size(); i++) {
                if (!java.util.Objects.equals(r.get(schema.fieldIndex(partitionColumns.get(i))), first.get(i))) {
                    throw new IllegalArgumentException(table + ": rows of one call must share their partition " + partitionColumns);
                }
            }
        }
        java.util.Set<List<Object>> replaced = new java.util.HashSet<>();
        for (Row r : rows) {
            replaced.add(keyColumns.stream().map(c -> r.get(schema.fieldIndex(c))).toList());
        }
        List<Row> kept = new java.util.ArrayList<>();
        if (exists(spark, root, table)) {
            Dataset<Row> old = read(spark, root, table);
            for (int i = 0; i < partitionColumns.size(); i++) {
                old = old.filter(functions.col(partitionColumns.get(i)).equalTo(first.get(i)));
            }
            for (Row r : old.select(java.util.Arrays.stream(schema.fieldNames()).map(functions::col).toArray(Column[]::new))
                    .collectAsList()) {
                if (!replaced.contains(keyColumns.stream().map(c -> r.get(schema.fieldIndex(c))).toList())) {
                    kept.add(r);
                }
            }
        }
        kept.addAll(rows);
        overwritePartitions(spark.createDataFrame(kept, schema).coalesce(1), root, table, partitionColumns);
    }

    /**
     * Writes {@code rows} as one Parquet folder at {@code path} (not a partitioned table: a derived dataset) that
     * appears whole or not at all: written beside it first, then renamed into place (an old folder is moved
     * aside and deleted once the new one is in place).
     */
    public static void replaceFolder(Dataset<Row> rows, String path) {
        SparkSession spark = rows.sparkSession();
        String clean = path.replaceAll("/+$", "");
        Path target = new Path(clean);
        Path tmp = new Path(target.getParent(), "." + target.getName() + ".tmp-" + java.util.UUID.randomUUID());
        try {
            FileSystem fs = target.getFileSystem(hadoop(spark));
            rows.write().mode(SaveMode.ErrorIfExists).parquet(tmp.toString());
            Path old = null;
            if (fs.exists(target)) {
                old = new Path(target.getParent(), "." + target.getName() + ".old-" + java.util.UUID.randomUUID());
                rename(fs, target, old);
            }
            rename(fs, tmp, target);
            if (old != null) {
                fs.delete(old, true);
            }
        } catch (IOException e) {
            delete(spark, tmp.toString());
            throw new UncheckedIOException(path + ": cannot write: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            delete(spark, tmp.toString());
            throw e;
        }
    }

    private static void rename(FileSystem fs, Path from, Path to) throws IOException {
        if (!fs.rename(from, to)) {
            throw new IOException("cannot rename " + from + " to " + to);
        }
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
