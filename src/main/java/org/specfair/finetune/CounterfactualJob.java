package org.specfair.finetune;

import org.specfair.tables.TableStore;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.map_keys;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.udf;

/**
 * Writes a counterfactually augmented copy of a text dataset (Parquet, all its columns, the text column swapped
 * by {@link CounterfactualSwapper}, plus a boolean {@code counterfactual}): mode {@code swap} replaces every text
 * by its swapped version ({@code counterfactual} = the text changed); mode {@code augment} keeps every original
 * row ({@code counterfactual} = false) and adds the swapped copy of each row that changed (true), so neutral text
 * is not doubled. The output folder appears whole or not at all; the summary counts swaps per pair.
 */
public final class CounterfactualJob {
    private static final Logger LOG = LogManager.getLogger(CounterfactualJob.class);

    /** @param pairs a pair-list file, or null for the project's list */
    public record Options(DatasetSpec input, String out, String mode, String pairs) {
        public Options {
            mode = mode == null ? "augment" : mode.trim().toLowerCase(Locale.ROOT);
            if (!mode.equals("swap") && !mode.equals("augment")) {
                throw new IllegalArgumentException("counterfactual mode must be swap or augment, got '" + mode + "'");
            }
            if (out == null || out.isBlank()) {
                throw new IllegalArgumentException("counterfactual: no output path");
            }
        }
    }

    /** Rows read and written, rows whose text changed, and swaps per pair ("he/she" -> n). */
    public record Summary(String out, long rowsIn, long rowsOut, long changedRows, Map<String, Long> swapsPerPair) {}

    private CounterfactualJob() {}

    public static Summary run(SparkSession spark, Options o) {
        CounterfactualSwapper swapper = o.pairs() == null ? CounterfactualSwapper.defaults() : CounterfactualSwapper.read(Path.of(o.pairs()));
        String column = o.input().column();
        Dataset<Row> in = TextDataset.table(spark, o.input());
        StructType result = new StructType()
                .add("text", DataTypes.StringType)
                .add("swaps", DataTypes.createMapType(DataTypes.StringType, DataTypes.IntegerType));
        UserDefinedFunction apply = udf((UDF1<String, Row>) text -> {
            if (text == null) {
                return org.apache.spark.sql.RowFactory.create(null, Map.of());
            }
            CounterfactualSwapper.Result r = swapper.apply(text);
            return org.apache.spark.sql.RowFactory.create(r.text(), r.swaps());
        }, result);
        String cf = "_counterfactual";
        Dataset<Row> swapped = in.withColumn(cf, apply.apply(col(column))).cache();
        try {
            Dataset<Row> changed = swapped.filter(size(map_keys(col(cf + ".swaps"))).gt(0));
            Dataset<Row> copies = swapped.withColumn(column, col(cf + ".text"))
                    .withColumn("counterfactual", size(map_keys(col(cf + ".swaps"))).gt(0));
            Dataset<Row> outRows = o.mode().equals("swap") ? copies.drop(cf)
                    : swapped.drop(cf).withColumn("counterfactual", lit(false))
                    .unionByName(changed.withColumn(column, col(cf + ".text")).withColumn("counterfactual", lit(true)).drop(cf));
            Map<String, Long> perPair = new TreeMap<>();
            for (Row r : swapped.select(explode(col(cf + ".swaps"))).groupBy("key").sum("value").collectAsList()) {
                perPair.put(r.getString(0), r.getLong(1));
            }
            long rowsIn = swapped.count();
            long changedRows = changed.count();
            TableStore.replaceFolder(outRows, o.out());
            long rowsOut = o.mode().equals("swap") ? rowsIn : rowsIn + changedRows;
            LOG.info("{}: {} rows, {} changed, swaps per pair {} -> {} ({} rows)", TextDataset.where(o.input()), rowsIn,
                    changedRows, perPair, o.out(), rowsOut);
            return new Summary(o.out(), rowsIn, rowsOut, changedRows, perPair);
        } finally {
            swapped.unpersist();
        }
    }
}
