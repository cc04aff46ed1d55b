package org.specfair.finetune;

import org.specfair.tables.TableStore;
import org.specfair.tables.Tables;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.apache.spark.sql.functions.col;

/**
 * Counts, per dataset, the occurrences of each HONEST category's identity terms ({@link TermCounter}) into the
 * {@code term_counts} table (partition: experiment): raw counts and per million words of the dataset, the
 * study's "category frequency" plot. A dataset's rows are replaced when it is counted again.
 */
public final class TermFrequencyJob {
    private static final Logger LOG = LogManager.getLogger(TermFrequencyJob.class);

    /** @param terms a term-list file, or null for the project's list */
    public record Options(String root, String experiment, List<DatasetSpec> datasets, String terms) {
        public Options {
            if (datasets == null || datasets.isEmpty()) {
                throw new IllegalArgumentException("term counts: no dataset");
            }
            if (experiment == null || experiment.isBlank()) {
                throw new IllegalArgumentException("term counts: no experiment name");
            }
        }
    }

    /** Rows written and words counted per dataset (in the order given). */
    public record Summary(long rows, List<Long> datasetTokens) {}

    private TermFrequencyJob() {}

    public static Summary run(SparkSession spark, Options o) {
        TermCounter counter = o.terms() == null ? TermCounter.defaults() : TermCounter.read(Path.of(o.terms()));
        List<Row> rows = new ArrayList<>();
        List<Long> tokens = new ArrayList<>();
        for (DatasetSpec d : o.datasets()) {
            long[] counts = count(spark, d, counter);
            long words = counts[counter.terms().size()];
            tokens.add(words);
            for (int i = 0; i < counter.terms().size(); i++) {
                TermCounter.Term t = counter.terms().get(i);
                rows.add(RowFactory.create(o.experiment(), d.name(), t.category(), t.term(), counts[i], words,
                        words == 0 ? 0.0 : counts[i] * 1e6 / words));
            }
            LOG.info("{}: {} words counted for {} terms", TextDataset.where(d), words, counter.terms().size());
        }
        TableStore.replaceRows(spark, o.root(), Tables.TERM_COUNTS, Tables.TERM_COUNT, List.of("experiment"),
                List.of("dataset"), rows);
        return new Summary(rows.size(), tokens);
    }

    /** Per-term counts then the word count, summed over the dataset's partitions. */
    static long[] count(SparkSession spark, DatasetSpec d, TermCounter counter) {
        JavaRDD<String> texts = TextDataset.table(spark, d).select(col(d.column())).as(Encoders.STRING()).javaRDD();
        return texts.mapPartitions(it -> {
            long[] c = counter.newCounts();
            while (it.hasNext()) {
                String t = it.next();
                if (t != null) {
                    counter.count(t, c);
                }
            }
            return List.of(c).iterator();
        }).fold(counter.newCounts(), (a, b) -> {
            long[] s = a.clone();
            for (int i = 0; i < s.length; i++) {
                s[i] += b[i];
            }
            return s;
        });
    }
}
