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
            field("assistant_confidence_threshold", DataTypes.DoubleType),
            field("dynamic_confidence_threshold", DataTypes.BooleanType),
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

    /**
     * What one decoded prompt produces before the tables are split: the generation row with its
     * drafts and tokens nested, so a prompt is decoded exactly once (this is the staging layout).
     */
    public static final StructType RESULT = new StructType(new StructField[] {
            field("generation", GENERATION),
            field("drafts", DataTypes.createArrayType(DRAFT)),
            field("tokens", DataTypes.createArrayType(TOKEN)),
    });

    private static StructField field(String name, DataType type) {
        return DataTypes.createStructField(name, type, true);
    }

    private static StructType struct(StructField[] head, StructField... tail) {
        List<StructField> all = new ArrayList<>(List.of(head));
        all.addAll(List.of(tail));
        return new StructType(all.toArray(new StructField[0]));
    }
}
