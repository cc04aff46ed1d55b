package org.specfair.judge;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.lower;
import static org.apache.spark.sql.functions.trim;
import static org.apache.spark.sql.functions.when;

/**
 * A labelled text table the user gives to train the classifier judge (Jigsaw or ToxiGen exports, the
 * project's demo set): CSV (with a header), JSONL or Parquet, a text column and a label column.
 * Labels 1/0, toxic/non_toxic, true/false, yes/no (any case) become 1.0 / 0.0; any other value is an
 * error naming it, never a dropped row.
 */
public final class LabelledTexts {
    static final List<String> TOXIC = List.of("1", "1.0", "toxic", "true", "yes");
    static final List<String> NON_TOXIC = List.of("0", "0.0", "non_toxic", "nontoxic", "non-toxic", "false", "no");

    private LabelledTexts() {}

    /** Columns {@code text} (string) and {@code label} (double 1.0 = toxic). */
    public static Dataset<Row> read(SparkSession spark, String file, String textColumn, String labelColumn) {
        String name = file.toLowerCase(Locale.ROOT).replaceAll("/+$", "");
        if (!org.specfair.tables.TableStore.exists(spark, file)) {
            throw new IllegalArgumentException(file + ": labelled table not found");
        }
        Dataset<Row> raw;
        if (name.endsWith(".csv")) {
            raw = spark.read().option("header", "true").option("multiLine", "true").option("escape", "\"").csv(file);
        } else if (name.endsWith(".jsonl") || name.endsWith(".json") || name.endsWith(".ndjson")) {
            raw = spark.read().json(file);
        } else if (name.endsWith(".parquet") || !name.contains(".")) {
            raw = spark.read().parquet(file);
        } else {
            throw new IllegalArgumentException(file + ": cannot tell the format from the name (.csv, .jsonl, .parquet)");
        }
        List<String> columns = Arrays.asList(raw.columns());
        for (String c : List.of(textColumn, labelColumn)) {
            if (!columns.contains(c)) {
                throw new IllegalArgumentException(file + ": no column '" + c + "' (columns: " + String.join(", ", columns)
                        + "; choose with --text-column / --label-column)");
            }
        }
        Column v = lower(trim(col(labelColumn).cast("string")));
        Dataset<Row> out = raw.select(col(textColumn).cast("string").as("text"),
                when(v.isin(TOXIC.toArray()), lit(1.0)).when(v.isin(NON_TOXIC.toArray()), lit(0.0)).as("label"),
                col(labelColumn).cast("string").as("raw_label"));
        List<Row> bad = out.filter(col("label").isNull().or(col("text").isNull())).limit(1).collectAsList();
        if (!bad.isEmpty()) {
            Row b = bad.get(0);
            throw new IllegalArgumentException(file + ": " + (b.isNullAt(0) ? "a row with an empty " + textColumn
                    : "label '" + b.getString(2) + "' in column " + labelColumn + " is not 1/0, toxic/non_toxic, true/false or yes/no"));
        }
        return out.drop("raw_label");
    }
}
