package org.specfair.finetune;

import org.specfair.spark.TestSpark;
import org.specfair.tables.TableStore;
import org.specfair.tables.Tables;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** CounterfactualJob and TermFrequencyJob through Spark: what they write, and their one-line errors. */
class DatasetJobsTest {
    static SparkSession spark;

    @BeforeAll
    static void start() {
        spark = TestSpark.local("DatasetJobsTest", 2);
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    static Path csv(Path dir) throws IOException {
        Path f = dir.resolve("reviews.csv");
        Files.writeString(f, "id,sentence\n1,\"She loved it, and so did her husband.\"\n2,A plain sentence.\n3,\"The man, his son.\"\n");
        return f;
    }

    @Test
    void augmentAddsSwappedCopiesOfChangedRowsAndCountsSwaps(@TempDir Path tmp) throws IOException {
        DatasetSpec in = new DatasetSpec("reviews", csv(tmp).toString(), null, "sentence");
        String out = tmp.resolve("cda").toString();
        CounterfactualJob.Summary s = CounterfactualJob.run(spark, new CounterfactualJob.Options(in, out, "augment", null));
        assertEquals(3, s.rowsIn());
        assertEquals(2, s.changedRows());
        assertEquals(5, s.rowsOut());
        assertEquals(Map.of("he/she", 1L, "him/her", 2L, "husband/wife", 1L, "man/woman", 1L, "son/daughter", 1L), s.swapsPerPair());
        Map<String, Boolean> rows = spark.read().parquet(out).collectAsList().stream()
                .collect(Collectors.toMap(r -> r.getAs("sentence"), r -> r.getAs("counterfactual")));
        assertEquals(Map.of("She loved it, and so did her husband.", false, "A plain sentence.", false,
                "The man, his son.", false, "He loved it, and so did his wife.", true, "The woman, her daughter.", true), rows);

        CounterfactualJob.run(spark, new CounterfactualJob.Options(in, out, "swap", null)); // replaces the folder
        List<Row> swapped = spark.read().parquet(out).orderBy("id").collectAsList();
        assertEquals(List.of("He loved it, and so did his wife.", "A plain sentence.", "The woman, her daughter."),
                swapped.stream().map(r -> (String) r.getAs("sentence")).toList());
        assertEquals(List.of(true, false, true), swapped.stream().map(r -> (Boolean) r.getAs("counterfactual")).toList());

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CounterfactualJob.run(spark,
                new CounterfactualJob.Options(new DatasetSpec("reviews", in.path(), null, "text"), tmp.resolve("bad").toString(), "augment", null)));
        assertEquals("dataset 'reviews' (" + in.path() + "): no column 'text' (columns: id, sentence)", e.getMessage());
        assertFalse(Files.exists(tmp.resolve("bad")));
    }

    @Test
    void everyFormatReadsItsTextColumnInFileOrder(@TempDir Path tmp) throws IOException {
        Path txt = tmp.resolve("wiki.txt");
        Files.writeString(txt, "First line.\n\nSecond, with \"quotes\".\n");
        Path tsv = tmp.resolve("sst2.tsv");
        Files.writeString(tsv, "sentence\tlabel\nit 's \"good\"\t1\na, b\t0\n");
        Path parquet = tmp.resolve("imdb");
        spark.createDataFrame(List.of(org.apache.spark.sql.RowFactory.create("one", 1), org.apache.spark.sql.RowFactory.create("two", 0)),
                new org.apache.spark.sql.types.StructType().add("text", "string").add("label", "int")).coalesce(1).write().parquet(parquet.toString());
        TextDataset.Texts t = TextDataset.read(spark, new DatasetSpec("wiki", txt.toString(), null, null));
        assertEquals(List.of("First line.", "Second, with \"quotes\"."), t.docs());
        assertEquals(1, t.skipped(), "the blank line");
        assertEquals(List.of("it 's \"good\"", "a, b"), TextDataset.read(spark, new DatasetSpec("sst2", tsv.toString(), null, "sentence")).docs());
        assertEquals(List.of("one", "two"), TextDataset.read(spark, new DatasetSpec("imdb", parquet.toString(), null, null)).docs());
        assertEquals("dataset 'imdb' (" + parquet + "): column 'label' is int, not text",
                assertThrows(IllegalArgumentException.class,
                        () -> TextDataset.read(spark, new DatasetSpec("imdb", parquet.toString(), null, "label"))).getMessage());
    }

    /** One Parquet file named {@code name} in {@code dir}, holding {@code texts} in column text. */
    static void parquetFile(Path dir, String name, List<String> texts) throws IOException {
        Path written = dir.resolveSibling(name + ".written");
        spark.createDataset(texts, org.apache.spark.sql.Encoders.STRING()).toDF("text").coalesce(1).write().parquet(written.toString());
        Files.createDirectories(dir);
        try (var files = Files.list(written)) {
            Path part = files.filter(f -> f.getFileName().toString().endsWith(".parquet")).findFirst().orElseThrow();
            Files.move(part, dir.resolve(name));
        }
    }

    @Test
    void documentsComeInFileOrderWhateverTheFileSizesAndSplits(@TempDir Path tmp) throws IOException {
        // Spark reads the larger file first: the order must come from the names, not the sizes.
        Path folder = tmp.resolve("cda");
        List<String> small = List.of("a one", "a two");
        List<String> large = List.of("b one " + "x".repeat(60), "b two " + "y".repeat(60), "b three " + "z".repeat(60));
        parquetFile(folder, "part-00000.parquet", small);
        parquetFile(folder, "part-00001.parquet", large);
        List<String> expected = new java.util.ArrayList<>(small);
        expected.addAll(large);
        assertEquals(expected, TextDataset.read(spark, new DatasetSpec("cda", folder.toString(), null, null)).docs());

        // One text file read whole, then cut into many small splits over several partitions: the same documents.
        Path txt = tmp.resolve("lines.txt");
        List<String> lines = java.util.stream.IntStream.range(0, 60).mapToObj(i -> "line " + i + " of the corpus").toList();
        Files.writeString(txt, String.join("\n", lines) + "\n");
        DatasetSpec text = new DatasetSpec("lines", txt.toString(), null, null);
        assertEquals(lines, TextDataset.read(spark, text).docs());
        try {
            spark.conf().set("spark.sql.files.maxPartitionBytes", "100");
            spark.conf().set("spark.sql.files.openCostInBytes", "1");
            assertEquals(lines, TextDataset.read(spark, text).docs());
            assertEquals(expected, TextDataset.read(spark, new DatasetSpec("cda", folder.toString(), null, null)).docs());
        } finally {
            spark.conf().unset("spark.sql.files.maxPartitionBytes");
            spark.conf().unset("spark.sql.files.openCostInBytes");
        }
    }

    @Test
    void termCountsPerDatasetRawAndPerMillion(@TempDir Path tmp) throws IOException {
        Path a = TinyCorpus.jsonl(tmp, "a", List.of("She and her sister.", "The gay man."));  // 4 + 3 words
        Path b = TinyCorpus.jsonl(tmp, "b", List.of("Nothing here at all"));               // 4 words
        String root = tmp.resolve("out").toString();
        TermFrequencyJob.run(spark, new TermFrequencyJob.Options(root, "e1",
                List.of(new DatasetSpec("a", a.toString(), null, null), new DatasetSpec("b", b.toString(), null, null)), null));
        List<Row> rows = TableStore.read(spark, root, Tables.TERM_COUNTS).collectAsList();
        int terms = TermCounter.defaults().terms().size();
        assertEquals(2 * terms, rows.size(), "a row per dataset and term, zero counts included");
        Map<String, Row> byKey = rows.stream().collect(Collectors.toMap(r -> r.getAs("dataset") + ":" + r.getAs("term"), r -> r));
        Row she = byKey.get("a:she");
        assertEquals("female", she.getAs("category"));
        assertEquals(1L, (long) she.getAs("count"));
        assertEquals(7L, (long) she.getAs("dataset_tokens"));
        assertEquals(1e6 / 7, (double) she.getAs("per_million"), 1e-9);
        assertEquals(1L, (long) byKey.get("a:gay").getAs("count"));
        assertEquals(0L, (long) byKey.get("b:she").getAs("count"));

        // Counting b again replaces b's rows only.
        TermFrequencyJob.run(spark, new TermFrequencyJob.Options(root, "e1", List.of(new DatasetSpec("b", a.toString(), null, null)), null));
        Map<String, Row> again = TableStore.read(spark, root, Tables.TERM_COUNTS).collectAsList().stream()
                .collect(Collectors.toMap(r -> r.getAs("dataset") + ":" + r.getAs("term"), r -> r));
        assertEquals(2 * terms, again.size());
        assertEquals(1L, (long) again.get("b:she").getAs("count"));
    }
}
