package org.specfair.finetune;

import org.specfair.tables.TableStore;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.input_file_name;
import static org.apache.spark.sql.functions.monotonically_increasing_id;

/**
 * Reads a text dataset through Spark, so local paths and Hadoop URIs ({@code hdfs://}, {@code s3a://})
 * work alike. Every problem is one line naming the dataset and path: a missing path, a missing or
 * non-string column, an empty dataset.
 */
public final class TextDataset {
    private TextDataset() {}

    /** The dataset as a table whose text is in column {@code spec.column()} (plain text: one row per line, column {@code text}). */
    public static Dataset<Row> table(SparkSession spark, DatasetSpec spec) {
        if (!TableStore.exists(spark, spec.path())) {
            throw new IllegalArgumentException(where(spec) + ": does not exist");
        }
        Dataset<Row> df = switch (spec.format()) {
            case "parquet" -> spark.read().parquet(spec.path());
            case "jsonl" -> spark.read().option("mode", "FAILFAST").json(spec.path());
            case "csv" -> spark.read().option("header", "true").option("multiLine", "true").option("escape", "\"")
                    .option("mode", "FAILFAST").csv(spec.path());
            case "tsv" -> spark.read().option("header", "true").option("sep", "\t").option("quote", "")
                    .option("mode", "FAILFAST").csv(spec.path());
            case "text" -> spark.read().text(spec.path()).withColumnRenamed("value", spec.column());
            default -> throw new IllegalArgumentException(where(spec) + ": unknown format " + spec.format());
        };
        StructField field = Arrays.stream(df.schema().fields()).filter(f -> f.name().equals(spec.column())).findFirst()
                .orElseThrow(() -> new IllegalArgumentException(where(spec) + ": no column '" + spec.column() + "' (columns: "
                        + String.join(", ", df.columns()) + ")"));
        if (!field.dataType().equals(DataTypes.StringType)) {
            throw new IllegalArgumentException(where(spec) + ": column '" + spec.column() + "' is " + field.dataType().simpleString()
                    + ", not text");
        }
        return df;
    }

    /**
     * The documents in file order: files by name, rows as they stand in each file. Spark itself reads a folder's
     * files largest first and breaks ties by directory order, and part files get a random name at every write,
     * so the same rows could come in another order (and pack into other blocks) after a rewrite; here the order
     * depends only on the files' names and contents, not on how many splits or partitions they were read in.
     * Null and blank texts carry no tokens and are left out (wikitext's blank lines); how many were left out is
     * in {@link Texts#skipped}. A dataset without a single non-blank text is an error.
     */
    public static Texts read(SparkSession spark, DatasetSpec spec) {
        List<String> docs = new ArrayList<>();
        long skipped = 0;
        try {
            // Within a partition, monotonically_increasing_id follows the rows; a file's splits go to partitions
            // in file order (Spark packs equal-sized splits in order, the short tail last).
            List<Row> rows = new ArrayList<>(table(spark, spec).select(col(spec.column()), input_file_name(),
                    monotonically_increasing_id()).collectAsList());
            rows.sort(Comparator.comparing((Row r) -> r.getString(1)).thenComparingLong(r -> r.getLong(2)));
            for (Row r : rows) {
                String t = r.getString(0);
                if (t == null || t.isBlank()) {
                    skipped++;
                } else {
                    docs.add(t);
                }
            }
        } catch (IllegalArgumentException e) {
            throw e;
        } catch (RuntimeException e) {
            String why = e.getMessage() == null ? e.toString() : e.getMessage().strip().lines().findFirst().orElse("");
            throw new IllegalArgumentException(where(spec) + ": cannot read as " + spec.format() + ": " + why, e);
        }
        if (docs.isEmpty()) {
            throw new IllegalArgumentException(where(spec) + ": no text in column '" + spec.column() + "' ("
                    + skipped + " empty rows)");
        }
        return new Texts(docs, skipped);
    }

    /** Documents and the number of null or blank rows left out. */
    public record Texts(List<String> docs, long skipped) {}

    static String where(DatasetSpec spec) {
        return "dataset '" + spec.name() + "' (" + spec.path() + ")";
    }
}
