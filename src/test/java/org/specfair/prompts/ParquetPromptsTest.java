package org.specfair.prompts;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Parquet prompt tables through a local Spark session: round trip, ids as for CSV, errors. */
class ParquetPromptsTest {
    static SparkSession spark;

    @TempDir
    Path tmp;

    @BeforeAll
    static void start() {
        spark = SparkSession.builder().master("local[1]").appName("ParquetPromptsTest")
                .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "1").getOrCreate();
    }

    @AfterAll
    static void stop() {
        if (spark != null) {
            spark.stop();
        }
    }

    @Test
    void roundTripMatchesTheSameTableAsCsv() throws IOException {
        StructType schema = new StructType()
                .add("n", DataTypes.LongType).add("prompt", DataTypes.StringType).add("category", DataTypes.StringType);
        List<Row> rows = new ArrayList<>();
        StringBuilder csv = new StringBuilder("n,prompt,category\n");
        for (int i = 0; i < 12; i++) {
            String text = i == 5 ? null : "The person " + (i % 4) + " is";
            rows.add(RowFactory.create((long) i, text, i % 2 == 0 ? "female" : "male"));
            csv.append(i).append(',').append(text == null ? "" : text).append(',').append(i % 2 == 0 ? "female" : "male").append('\n');
        }
        Path table = tmp.resolve("prompts.parquet");
        spark.createDataFrame(rows, schema).coalesce(1).write().parquet(table.toString());

        PromptColumns cols = PromptColumns.of("prompt", "category");
        List<Prompt> fromParquet = PromptTables.readParquet(spark, table.toString(), cols);
        List<Prompt> fromCsv = PromptTables.read(Files.writeString(tmp.resolve("p.csv"), csv), PromptFormat.CSV, cols);
        assertEquals(12, fromParquet.size());
        assertEquals(fromCsv.stream().map(Prompt::promptId).toList(), fromParquet.stream().map(Prompt::promptId).toList());
        assertEquals(fromCsv.stream().map(Prompt::text).toList(), fromParquet.stream().map(Prompt::text).toList());
        assertEquals("empty prompt", fromParquet.get(5).error()); // null text kept as an error row
        assertTrue(fromParquet.get(0).source().startsWith("part-"), fromParquet.get(0).source());
        assertEquals(List.of(1L, 2L, 3L), fromParquet.subList(0, 3).stream().map(Prompt::sourceRow).toList());

        // split over part files: same ids (as a set), rows ordered by part file, then row within it
        Path parts = tmp.resolve("parts.parquet");
        spark.createDataFrame(rows, schema).repartition(3).write().parquet(parts.toString());
        List<Prompt> fromParts = PromptTables.readParquet(spark, parts.toString(), cols);
        assertEquals(HonestTemplatesTest.ids(fromCsv), HonestTemplatesTest.ids(fromParts));
        List<String> order = fromParts.stream().map(p -> p.source() + String.format("%05d", p.sourceRow())).toList();
        assertEquals(order.stream().sorted().toList(), order);

        // a numeric id column is read as text; PromptSource gives the same
        List<Prompt> withIds = PromptSource.load(List.of(table), "parquet", cols.withId("n"), null, spark);
        assertEquals("0", withIds.get(0).promptId());
        assertEquals("11", withIds.get(11).promptId());
    }

    @Test
    void missingColumnAndMissingPath() {
        Path table = tmp.resolve("t.parquet");
        spark.createDataFrame(List.of(RowFactory.create("x")), new StructType().add("text", DataTypes.StringType))
                .write().parquet(table.toString());
        PromptFileException e = assertThrows(PromptFileException.class,
                () -> PromptTables.readParquet(spark, table.toString(), PromptColumns.of("text", "group")));
        assertEquals(table + ": missing column 'group' (columns found: text)", e.getMessage());

        Path none = tmp.resolve("none.parquet");
        e = assertThrows(PromptFileException.class,
                () -> PromptTables.readParquet(spark, none.toString(), PromptColumns.of("text", "group")));
        assertEquals(none + ": missing file", e.getMessage());
    }

    @Test
    void nestedColumnIsRejectedByName() {
        Path table = tmp.resolve("nested.parquet");
        StructType schema = new StructType().add("text", DataTypes.createArrayType(DataTypes.StringType)).add("group", DataTypes.StringType);
        spark.createDataFrame(List.of(RowFactory.create(List.of("a").toArray(), "f")), schema).write().parquet(table.toString());
        PromptFileException e = assertThrows(PromptFileException.class,
                () -> PromptTables.readParquet(spark, table.toString(), PromptColumns.of("text", "group")));
        assertEquals(table + ", column 'text': type array<string> is not a prompt field (expected string)", e.getMessage());
    }
}
