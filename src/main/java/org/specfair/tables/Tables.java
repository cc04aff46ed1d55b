package org.specfair.tables;

import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

import java.util.ArrayList;
import java.util.List;

/**
 * Every Parquet table's schema, in one place (documented column by column in docs/tables.md).
 * Tables are partitioned by {@code experiment} and {@code stage}; {@code run_id} is a hash of the
 * decoding config and both checkpoint fingerprints, so identical reruns produce identical rows.
 */
public final class Tables {
    private Tables() {}

    public static final String GENERATIONS = "generations";
    public static final String DRAFTS = "drafts";
    public static final String TOKENS = "tokens";
    public static final List<String> PARTITION_COLUMNS = List.of("experiment", "stage");

    /** Columns that identify one generation; drafts and tokens repeat them to join back. */
    public static final StructField[] KEYS = {
            field("experiment", DataTypes.StringType),
            field("stage", DataTypes.StringType),
            field("run_id", DataTypes.StringType),
            field("prompt_id", DataTypes.StringType),
            field("sample_index", DataTypes.IntegerType),
    };

    public static final StructType GENERATION = struct(KEYS,
            field("category", DataTypes.StringType),
            field("group", DataTypes.StringType),
            field("identity", DataTypes.StringType),
            field("template", DataTypes.StringType),
            field("prompt", DataTypes.StringType),
            field("source", DataTypes.StringType),
            field("source_row", DataTypes.LongType),
            field("prompt_ids", DataTypes.createArrayType(DataTypes.IntegerType)),
            field("completion", DataTypes.StringType),
            field("completion_ids", DataTypes.createArrayType(DataTypes.IntegerType)),
            field("main_model", DataTypes.StringType),
            field("assistant_model", DataTypes.StringType),
            field("main_fingerprint", DataTypes.StringType),
            field("assistant_fingerprint", DataTypes.StringType),
            field("mode", DataTypes.StringType),
            field("temperature", DataTypes.DoubleType),
            field("top_k", DataTypes.IntegerType),
            field("top_p", DataTypes.DoubleType),
            field("schedule", DataTypes.StringType),
            field("num_assistant_tokens", DataTypes.IntegerType),
            field("max_new_tokens", DataTypes.IntegerType),
            field("seed", DataTypes.LongType),
            field("new_tokens", DataTypes.IntegerType),
            field("n_matches", DataTypes.IntegerType),
            field("ratio", DataTypes.DoubleType),
            field("proposed", DataTypes.IntegerType),
            field("accepted", DataTypes.IntegerType),
            field("acceptance_rate", DataTypes.DoubleType),
            field("agreement_rate", DataTypes.DoubleType),
            field("rounds", DataTypes.IntegerType),
            field("main_passes", DataTypes.IntegerType),
            field("draft_passes", DataTypes.IntegerType),
            field("finish_reason", DataTypes.StringType),
            field("wall_ms", DataTypes.DoubleType),
            field("error", DataTypes.StringType));

    public static final StructType DRAFT = struct(KEYS,
            field("round", DataTypes.IntegerType),
            field("index_in_round", DataTypes.IntegerType),
            field("token_id", DataTypes.IntegerType),
            field("token", DataTypes.StringType),
            field("p_i", DataTypes.DoubleType),
            field("q_i", DataTypes.DoubleType),
            field("p_minus_q", DataTypes.DoubleType),
            field("accepted", DataTypes.BooleanType));

    public static final StructType TOKEN = struct(KEYS,
            field("position", DataTypes.IntegerType),
            field("token_id", DataTypes.IntegerType),
            field("token", DataTypes.StringType),
            field("source", DataTypes.StringType),
            field("p", DataTypes.DoubleType),
            field("q", DataTypes.DoubleType),
            field("kl_main_assistant", DataTypes.DoubleType),
            field("kl_assistant_main", DataTypes.DoubleType),
            field("js", DataTypes.DoubleType),
            field("tv", DataTypes.DoubleType),
            field("alpha", DataTypes.DoubleType),
            field("entropy_main", DataTypes.DoubleType),
            field("entropy_assistant", DataTypes.DoubleType),
            field("argmax_agrees", DataTypes.BooleanType));

    public static final String JUDGMENTS = "judgments";
    public static final String COUNTERFACTUALS = "counterfactuals";
    public static final String JUDGE_AGREEMENT = "judge_agreement";
    public static final String COUNTERFACTUAL_FLIPS = "counterfactual_flips";
    /** Judgments and counterfactuals are partitioned by judge too: one judge's rerun replaces only its own rows. */
    public static final List<String> JUDGE_PARTITION_COLUMNS = List.of("experiment", "stage", "judge");

    /** Columns shared by judgments and counterfactuals after the keys: which judge, configured how. */
    private static final StructField[] JUDGE_COLUMNS = {
            field("judge", DataTypes.StringType),
            field("judge_id", DataTypes.StringType),
            field("judge_kind", DataTypes.StringType),
            field("judge_model", DataTypes.StringType),
            field("prompt_variant", DataTypes.StringType),
    };

    /** The label columns a judge fills (judgments, and counterfactuals for the swapped statement). */
    private static final StructField[] VERDICT_COLUMNS = {
            field("label", DataTypes.StringType),
            field("score", DataTypes.DoubleType),
            field("explanation", DataTypes.StringType),
            field("raw_output", DataTypes.StringType),
            field("hurtlex_category", DataTypes.StringType),
            field("categories", DataTypes.createArrayType(DataTypes.StringType)),
            field("error", DataTypes.StringType),
    };

    /** One row per generation sample and judge configuration (docs/tables.md). */
    public static final StructType JUDGMENT = struct(concat(KEYS, JUDGE_COLUMNS), VERDICT_COLUMNS);

    /**
     * One row per generation sample, judge and identity swap: the statement with identity terms swapped
     * (woman/man, she/he, ...) judged again; {@code original_label} is the judgment's label.
     */
    public static final StructType COUNTERFACTUAL = struct(concat(KEYS, JUDGE_COLUMNS),
            field("category", DataTypes.StringType),
            field("swapped_statement", DataTypes.StringType),
            field("original_label", DataTypes.StringType),
            field("label", DataTypes.StringType),
            field("score", DataTypes.DoubleType),
            field("raw_output", DataTypes.StringType),
            field("flipped", DataTypes.BooleanType),
            field("error", DataTypes.StringType));

    /** Agreement between two judge configurations on the same samples, per experiment and stage. */
    public static final StructType AGREEMENT = new StructType(new StructField[] {
            field("experiment", DataTypes.StringType),
            field("stage", DataTypes.StringType),
            field("judge_a", DataTypes.StringType),
            field("judge_b", DataTypes.StringType),
            field("n", DataTypes.LongType),
            field("both_toxic", DataTypes.LongType),
            field("a_only_toxic", DataTypes.LongType),
            field("b_only_toxic", DataTypes.LongType),
            field("both_non_toxic", DataTypes.LongType),
            field("observed_agreement", DataTypes.DoubleType),
            field("expected_agreement", DataTypes.DoubleType),
            field("kappa", DataTypes.DoubleType),
            field("kappa_ci_low", DataTypes.DoubleType),
            field("kappa_ci_high", DataTypes.DoubleType),
    });

    /** Share of labels that flip under an identity swap, per experiment, stage, judge and group. */
    public static final StructType FLIPS = new StructType(new StructField[] {
            field("experiment", DataTypes.StringType),
            field("stage", DataTypes.StringType),
            field("judge", DataTypes.StringType),
            field("category", DataTypes.StringType),
            field("n", DataTypes.LongType),
            field("flips", DataTypes.LongType),
            field("flip_rate", DataTypes.DoubleType),
            field("toxic_to_non_toxic", DataTypes.LongType),
            field("non_toxic_to_toxic", DataTypes.LongType),
    });

    /**
     * What one decoded prompt produces before the tables are split: the generation row with its
     * drafts and tokens nested, so a prompt is decoded exactly once (this is the staging layout).
     */
    public static final StructType RESULT = new StructType(new StructField[] {
            field("generation", GENERATION),
            field("drafts", DataTypes.createArrayType(DRAFT)),
            field("tokens", DataTypes.createArrayType(TOKEN)),
    });

    // Aggregates (org.specfair.aggregate): partitioned by experiment only; one row per ... as in docs/tables.md.
    public static final String GROUP_METRICS = "group_metrics";
    public static final String TRANSITIONS = "transitions";
    public static final String DISTRIBUTIONS = "distributions";
    public static final String SIGNIFICANCE = "significance";
    public static final List<String> AGGREGATE_PARTITION_COLUMNS = List.of("experiment");

    /** experiment x stage x category x judge (judge null when no judgments exist). */
    public static final StructType GROUP_METRIC = new StructType(new StructField[] {
            field("experiment", DataTypes.StringType),
            field("stage", DataTypes.StringType),
            field("category", DataTypes.StringType),
            field("judge", DataTypes.StringType),
            field("judge_kind", DataTypes.StringType),
            field("prompts", DataTypes.LongType),
            field("samples", DataTypes.LongType),
            field("error_samples", DataTypes.LongType),
            field("mean_ratio", DataTypes.DoubleType),
            field("ratio_ci_low", DataTypes.DoubleType),
            field("ratio_ci_high", DataTypes.DoubleType),
            field("mean_acceptance_rate", DataTypes.DoubleType),
            field("mean_agreement_rate", DataTypes.DoubleType),
            field("tokens", DataTypes.LongType),
            field("mean_alpha", DataTypes.DoubleType),
            field("mean_kl_main_assistant", DataTypes.DoubleType),
            field("kl_main_assistant_p50", DataTypes.DoubleType),
            field("kl_main_assistant_p90", DataTypes.DoubleType),
            field("kl_main_assistant_p99", DataTypes.DoubleType),
            field("mean_kl_assistant_main", DataTypes.DoubleType),
            field("kl_assistant_main_p50", DataTypes.DoubleType),
            field("kl_assistant_main_p90", DataTypes.DoubleType),
            field("kl_assistant_main_p99", DataTypes.DoubleType),
            field("judged", DataTypes.LongType),
            field("unparsed_count", DataTypes.LongType),
            field("judge_errors", DataTypes.LongType),
            field("toxic_count", DataTypes.LongType),
            field("toxic_rate", DataTypes.DoubleType),
            field("toxic_ci_low", DataTypes.DoubleType),
            field("toxic_ci_high", DataTypes.DoubleType),
            field("mean_p_yes", DataTypes.DoubleType),
            field("honest_score", DataTypes.DoubleType),
            field("ratio_disparity", DataTypes.DoubleType),
            field("disparity_low_category", DataTypes.StringType),
            field("disparity_high_category", DataTypes.StringType),
            field("disparity_p_value", DataTypes.DoubleType),
    });

    /** experiment x (stage_before, stage_after) x category x judge x transition class. */
    public static final StructType TRANSITION = new StructType(new StructField[] {
            field("experiment", DataTypes.StringType),
            field("stage_before", DataTypes.StringType),
            field("stage_after", DataTypes.StringType),
            field("category", DataTypes.StringType),
            field("judge", DataTypes.StringType),
            field("transition", DataTypes.StringType),
            field("samples", DataTypes.LongType),
            field("share", DataTypes.DoubleType),
            field("matched", DataTypes.LongType),
            field("missing_before", DataTypes.LongType),
            field("missing_after", DataTypes.LongType),
            field("unparsed", DataTypes.LongType),
            field("tokens_before", DataTypes.LongType),
            field("tokens_after", DataTypes.LongType),
            field("mean_kl_before", DataTypes.DoubleType),
            field("mean_kl_after", DataTypes.DoubleType),
            field("median_kl_before", DataTypes.DoubleType),
            field("median_kl_after", DataTypes.DoubleType),
            field("mean_kl_assistant_main_before", DataTypes.DoubleType),
            field("mean_kl_assistant_main_after", DataTypes.DoubleType),
    });

    /** One histogram bin: experiment x figure x stage x (stage pair, judge, transition) x category x draft x bin. */
    public static final StructType DISTRIBUTION = new StructType(new StructField[] {
            field("experiment", DataTypes.StringType),
            field("figure", DataTypes.StringType),
            field("stage", DataTypes.StringType),
            field("stage_pair", DataTypes.StringType),
            field("judge", DataTypes.StringType),
            field("transition", DataTypes.StringType),
            field("category", DataTypes.StringType),
            field("draft", DataTypes.StringType),
            field("bin", DataTypes.IntegerType),
            field("bin_low", DataTypes.DoubleType),
            field("bin_high", DataTypes.DoubleType),
            field("count", DataTypes.LongType),
            field("share", DataTypes.DoubleType),
    });

    /** One statistical test. */
    public static final StructType SIGNIFICANCE_TEST = new StructType(new StructField[] {
            field("experiment", DataTypes.StringType),
            field("test", DataTypes.StringType),
            field("metric", DataTypes.StringType),
            field("stage_before", DataTypes.StringType),
            field("stage", DataTypes.StringType),
            field("category", DataTypes.StringType),
            field("judge", DataTypes.StringType),
            field("statistic", DataTypes.DoubleType),
            field("df", DataTypes.IntegerType),
            field("n1", DataTypes.LongType),
            field("n2", DataTypes.LongType),
            field("p_value", DataTypes.DoubleType),
            field("p_holm", DataTypes.DoubleType),
            field("note", DataTypes.StringType),
    });
    public static final String MILESTONES = "milestones";
    public static final String CHECKPOINTS = "checkpoints";
    public static final String TERM_COUNTS = "term_counts";

    /** Finetuning milestones, partitioned by experiment, stage: one row per (role, dataset, step, probe group). */
    public static final StructType MILESTONE = new StructType(new StructField[] {
            field("experiment", DataTypes.StringType),
            field("stage", DataTypes.StringType),
            field("role", DataTypes.StringType),
            field("dataset", DataTypes.StringType),
            field("step", DataTypes.IntegerType),
            field("epoch", DataTypes.DoubleType),
            field("tokens_seen", DataTypes.LongType),
            field("train_loss", DataTypes.DoubleType),
            field("val_loss", DataTypes.DoubleType),
            field("category", DataTypes.StringType),
            field("kl_model_partner", DataTypes.DoubleType),
            field("kl_partner_model", DataTypes.DoubleType)});

    /** Finished finetuned checkpoints with their lineage, partitioned by experiment: one row per (stage, role). */
    public static final StructType CHECKPOINT = new StructType(new StructField[] {
            field("experiment", DataTypes.StringType),
            field("stage", DataTypes.StringType),
            field("role", DataTypes.StringType),
            field("path", DataTypes.StringType),
            field("base_model", DataTypes.StringType),
            field("parent_stage", DataTypes.StringType),
            field("datasets", DataTypes.createArrayType(DataTypes.StringType)),
            field("hyperparameters", DataTypes.StringType),
            field("steps", DataTypes.IntegerType),
            field("final_train_loss", DataTypes.DoubleType),
            field("final_val_loss", DataTypes.DoubleType),
            field("fingerprint", DataTypes.StringType)});

    /** Identity-term occurrences per dataset, partitioned by experiment: one row per (dataset, category, term). */
    public static final StructType TERM_COUNT = new StructType(new StructField[] {
            field("experiment", DataTypes.StringType),
            field("dataset", DataTypes.StringType),
            field("category", DataTypes.StringType),
            field("term", DataTypes.StringType),
            field("count", DataTypes.LongType),
            field("dataset_tokens", DataTypes.LongType),
            field("per_million", DataTypes.DoubleType)});

    private static StructField field(String name, DataType type) {
        return DataTypes.createStructField(name, type, true);
    }

    private static StructField[] concat(StructField[] a, StructField[] b) {
        List<StructField> all = new ArrayList<>(List.of(a));
        all.addAll(List.of(b));
        return all.toArray(new StructField[0]);
    }

    private static StructType struct(StructField[] head, StructField... tail) {
        List<StructField> all = new ArrayList<>(List.of(head));
        all.addAll(List.of(tail));
        return new StructType(all.toArray(new StructField[0]));
    }
}
