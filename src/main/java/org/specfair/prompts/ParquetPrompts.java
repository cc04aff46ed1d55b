package org.specfair.prompts;

import org.apache.spark.sql.AnalysisException;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.BooleanType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.apache.spark.sql.functions.col;

/**
 * Reads a Parquet prompt table (a file or a folder of part files) through Spark; the only Spark code
 * in this package. Rows come back in a fixed order (file name, then row index within the file, from
 * Spark's {@code _metadata} columns) so occurrence suffixes of duplicate ids and the reported rows
 * do not depend on how Spark splits the files.
 */
final class ParquetPrompts {
    private static final String FILE = "_metadata.file_name";
    private static final String ROW_INDEX = "_metadata.row_index";

    private ParquetPrompts() {}

    /** Prompts with ids from the id column or null (derived later); sourceRow is the row within its part file. */
    static List<Prompt> read(SparkSession spark, String path, PromptColumns cols) {
        requireExists(spark, path);
        Dataset<Row> table;
        try {
            table = spark.read().parquet(path);
        } catch (Exception e) { // AnalysisException, declared by Scala only, so caught broadly
            if (e instanceof AnalysisException a && "PATH_NOT_FOUND".equals(a.getCondition())) {
                throw new PromptFileException(path + ": missing file");
            }
            throw new PromptFileException(path + ": not a readable Parquet table: " + oneLine(e.getMessage()), e);
        }
        Map<String, DataType> types = new HashMap<>();
        for (StructField f : table.schema().fields()) {
            types.put(f.name(), f.dataType());
        }
        List<String> names = cols.names();
        List<Column> select = new ArrayList<>();
        for (String name : names) {
            DataType type = types.get(name);
            if (type == null) {
                throw new PromptFileException(path + ": missing column '" + name + "' (columns found: "
                        + String.join(", ", table.columns()) + ")");
            }
            if (!(type instanceof StringType || type instanceof NumericType || type instanceof BooleanType)) {
                throw new PromptFileException(path + ", column '" + name + "': type " + type.simpleString()
                        + " is not a prompt field (expected string)");
            }
            select.add(col(quoted(name)).cast("string"));
        }
        select.add(col(FILE));
        select.add(col(ROW_INDEX));
        List<Row> rows = table.select(select.toArray(Column[]::new)).orderBy(col(FILE), col(ROW_INDEX)).collectAsList();

        List<Prompt> prompts = new ArrayList<>(rows.size());
        int fileCol = names.size();
        for (Row r : rows) {
            Map<String, String> values = new HashMap<>();
            for (int i = 0; i < names.size(); i++) {
                values.put(names.get(i), r.isNullAt(i) ? null : r.getString(i));
            }
            prompts.add(PromptRow.build(cols, values::get, r.getString(fileCol), r.getLong(fileCol + 1) + 1));
        }
        return prompts;
    }

    /** Checked through Hadoop first (any scheme: file, hdfs, s3a), so a typo gives one line, not Spark's stack trace. */
    private static void requireExists(SparkSession spark, String path) {
        try {
            org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(path);
            if (!p.getFileSystem(spark.sparkContext().hadoopConfiguration()).exists(p)) {
                throw new PromptFileException(path + ": missing file");
            }
        } catch (IOException | IllegalArgumentException e) {
            throw new PromptFileException(path + ": cannot check the path: " + oneLine(e.getMessage()), e);
        }
    }

    /** Backticks, so column names with dots or spaces are taken literally. */
    private static String quoted(String name) {
        return "`" + name.replace("`", "``") + "`";
    }

    private static String oneLine(String message) {
        return message == null ? "" : Arrays.stream(message.split("\\R")).map(String::strip)
                .filter(s -> !s.isEmpty()).limit(1).collect(Collectors.joining());
    }
}
