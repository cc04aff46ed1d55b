package org.specfair.aggregate;

import org.specfair.tables.TableStore;
import org.specfair.tables.Tables;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;

import java.util.Optional;

import static org.apache.spark.sql.functions.col;

/**
 * The tables aggregation reads, restricted to one experiment (or all). Only {@code generations} is
 * required; {@code tokens}, {@code drafts}, {@code judgments} and {@code checkpoints} are used when present
 * (the metrics and sections that need them are null or omitted otherwise). The aggregates read the
 * {@link #cached} form, whose tokens and drafts carry their sample's category.
 */
public record AggregateInputs(Dataset<Row> generations, Optional<Dataset<Row>> tokens, Optional<Dataset<Row>> drafts,
                              Optional<Dataset<Row>> judgments, Optional<Dataset<Row>> checkpoints) {
    /** Written by the judge job (issue 11's contract: keys + judge, judge_kind, label, score, error ...). */
    public static final String JUDGMENTS = Tables.JUDGMENTS;
    /** Written by the finetuning job: per finished checkpoint, its stage and parent_stage. */
    public static final String CHECKPOINTS = Tables.CHECKPOINTS;
    /** Written by the finetuning job: probe KL between the pair at training steps. */
    public static final String MILESTONES = Tables.MILESTONES;

    /** The generation key: one sample of one prompt in one run. */
    public static final String[] KEYS = {"experiment", "stage", "run_id", "prompt_id", "sample_index"};

    public static AggregateInputs read(SparkSession spark, String root, String experiment) {
        if (!TableStore.exists(spark, root, Tables.GENERATIONS)) {
            throw new IllegalArgumentException(TableStore.path(root, Tables.GENERATIONS) + ": no generations table to aggregate");
        }
        return new AggregateInputs(
                only(TableStore.read(spark, root, Tables.GENERATIONS), experiment),
                TableStore.readIfExists(spark, root, Tables.TOKENS).map(t -> only(t, experiment)),
                TableStore.readIfExists(spark, root, Tables.DRAFTS).map(t -> only(t, experiment)),
                TableStore.readIfExists(spark, root, JUDGMENTS).map(t -> only(t, experiment)),
                TableStore.readIfExists(spark, root, CHECKPOINTS).map(t -> only(t, experiment)));
    }

    /**
     * The same inputs, prepared once for the few passes that follow and kept in memory (spilling to disk):
     * {@code tokens} and {@code drafts} hold only the columns aggregation reads, only rows of error-free samples,
     * and their sample's {@code category} (joined here once, not in every pass). {@link #release} after.
     */
    public AggregateInputs cached() {
        StorageLevel level = StorageLevel.MEMORY_AND_DISK();
        Dataset<Row> gens = generations.persist(level);
        Dataset<Row> good = goodSamples(gens);
        return new AggregateInputs(gens,
                tokens.map(t -> t.select(columns(KEYS, "position", "kl_main_assistant", "kl_assistant_main", "alpha"))
                        .join(good, GroupMetrics.scalaKeys()).persist(level)),
                drafts.map(d -> d.select(columns(KEYS, "p_minus_q", "accepted")).join(good, GroupMetrics.scalaKeys()).persist(level)),
                judgments.map(j -> j.persist(level)), checkpoints);
    }

    public void release() {
        generations.unpersist();
        tokens.ifPresent(Dataset::unpersist);
        drafts.ifPresent(Dataset::unpersist);
        judgments.ifPresent(Dataset::unpersist);
    }

    private static org.apache.spark.sql.Column[] columns(String[] keys, String... more) {
        return java.util.stream.Stream.concat(java.util.Arrays.stream(keys), java.util.Arrays.stream(more))
                .map(org.apache.spark.sql.functions::col).toArray(org.apache.spark.sql.Column[]::new);
    }

    private static Dataset<Row> only(Dataset<Row> table, String experiment) {
        return experiment == null ? table : table.filter(col("experiment").equalTo(experiment));
    }

    /** Generations without an error, with the key and group columns the other tables join on. */
    public Dataset<Row> goodSamples() {
        return goodSamples(generations);
    }

    private static Dataset<Row> goodSamples(Dataset<Row> generations) {
        return generations.filter(col("error").isNull())
                .select(col("experiment"), col("stage"), col("run_id"), col("prompt_id"), col("sample_index"), col("category"));
    }
}
