package org.specfair.aggregate;

import org.specfair.tables.TableStore;
import org.specfair.tables.Tables;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

import java.util.ArrayList;
import java.util.List;

/**
 * Small hand-built tables with answers computed by hand (see AggregateJobTest). Experiment "e", stages base and
 * ft, groups female (f1 with two samples, f2), male (m1, m2 only in base, m3 only in ft), queer (q1; q2 failed).
 */
final class HandTables {
    /** The judgments contract (issue 11), the columns aggregation reads plus a few it carries. */
    static final StructType JUDGMENT = new StructType(new StructField[] {
            f("experiment"), f("stage"), f("run_id"), f("prompt_id"),
            DataTypes.createStructField("sample_index", DataTypes.IntegerType, true),
            f("judge"), f("judge_id"), f("judge_kind"), f("judge_model"), f("prompt_variant"), f("label"),
            DataTypes.createStructField("score", DataTypes.DoubleType, true),
            f("explanation"), f("raw_output"), f("hurtlex_category"),
            DataTypes.createStructField("categories", DataTypes.createArrayType(DataTypes.StringType), true),
            f("error")});

    final List<Row> generations = new ArrayList<>();
    final List<Row> tokens = new ArrayList<>();
    final List<Row> drafts = new ArrayList<>();
    final List<Row> judgments = new ArrayList<>();

    static StructField f(String name) {
        return DataTypes.createStructField(name, DataTypes.StringType, true);
    }

    static HandTables build() {
        HandTables t = new HandTables();
        // stage, prompt, sample, category, ratio, acceptance, agreement, KL(P||Q) of its tokens (KL(Q||P) = 2x)
        t.gen("base", "f1", 0, "female", 0.5, 0.6, 0.7, 0.1, 0.3);
        t.gen("base", "f1", 1, "female", 0.3, 0.4, 0.5, 0.2);
        t.gen("base", "f2", 0, "female", 0.4, 0.5, 0.6, 0.4);
        t.gen("base", "m1", 0, "male", 0.8, 0.9, 0.9, 1.0, 2.0);
        t.gen("base", "m2", 0, "male", 0.6, 0.7, 0.8, 3.0);
        t.gen("base", "q1", 0, "queer", 0.2, 0.3, 0.4, 0.5);
        t.failed("base", "q2", "queer");
        t.gen("ft", "f1", 0, "female", 0.6, 0.6, 0.7, 0.05);
        t.gen("ft", "f1", 1, "female", 0.4, 0.4, 0.5, 0.1);
        t.gen("ft", "f2", 0, "female", 0.5, 0.5, 0.6, 0.15);
        t.gen("ft", "m1", 0, "male", 0.7, 0.9, 0.9, 0.5);
        t.gen("ft", "m3", 0, "male", 0.9, 0.9, 0.9, 0.2);
        t.gen("ft", "q1", 0, "queer", 0.3, 0.3, 0.4, 0.5, 0.7);
        // p_i - q_i = 0.52 accepted, -0.48 rejected
        t.draft("base", "f1", 0, 0, 0.62, 0.10, true);
        t.draft("base", "f1", 0, 1, 0.02, 0.50, false);
        // tulu (llm): base female 1 of 3 toxic, male m1 toxic + m2 unparsed, queer no toxic;
        // ft: f1 flips both ways, m1 stays toxic, m3 toxic, q1 unparsed.
        t.judge("base", "f1", 0, "tulu", "llm", "toxic", 0.9, null);
        t.judge("base", "f1", 1, "tulu", "llm", "non_toxic", 0.2, null);
        t.judge("base", "f2", 0, "tulu", "llm", "non_toxic", 0.1, null);
        t.judge("base", "m1", 0, "tulu", "llm", "toxic", 0.8, null);
        t.judge("base", "m2", 0, "tulu", "llm", "unparsed", 0.5, null);
        t.judge("base", "q1", 0, "tulu", "llm", "non_toxic", 0.3, null);
        t.judge("ft", "f1", 0, "tulu", "llm", "non_toxic", 0.3, null);
        t.judge("ft", "f1", 1, "tulu", "llm", "toxic", 0.7, null);
        t.judge("ft", "f2", 0, "tulu", "llm", "non_toxic", 0.2, null);
        t.judge("ft", "m1", 0, "tulu", "llm", "toxic", 0.9, null);
        t.judge("ft", "m3", 0, "tulu", "llm", "toxic", 0.6, null);
        t.judge("ft", "q1", 0, "tulu", "llm", "unparsed", 0.4, null);
        // lex (honest): base f1/0 hurtful, nothing in ft; one judge error in ft
        for (String stage : List.of("base", "ft")) {
            for (Row g : t.generations) {
                String prompt = g.getString(3);
                int sample = g.getInt(4);
                if (g.getString(1).equals(stage) && g.isNullAt(Tables.GENERATION.fieldIndex("error"))) {
                    boolean hurtful = stage.equals("base") && prompt.equals("f1") && sample == 0;
                    boolean broken = stage.equals("ft") && prompt.equals("q1");
                    t.judge(stage, prompt, sample, "lex", "honest",
                            broken ? null : hurtful ? "toxic" : "non_toxic", broken ? null : hurtful ? 1.0 : 0.0, broken ? "lexicon lookup failed" : null);
                }
            }
        }
        return t;
    }

    static String runId(String stage) {
        return stage.equals("base") ? "00000000000000aa" : "00000000000000bb";
    }

    void gen(String stage, String prompt, int sample, String category, double ratio, double acceptance, double agreement, double... kl) {
        Object[] v = new Object[Tables.GENERATION.size()];
        v[0] = "e";
        v[1] = stage;
        v[2] = runId(stage);
        v[3] = prompt;
        v[4] = sample;
        set(v, "category", category);
        set(v, "group", category);
        set(v, "ratio", ratio);
        set(v, "acceptance_rate", acceptance);
        set(v, "agreement_rate", agreement);
        set(v, "max_new_tokens", 10);
        generations.add(RowFactory.create(v));
        for (int i = 0; i < kl.length; i++) {
            tokens.add(RowFactory.create("e", stage, runId(stage), prompt, sample, 5 + i, 7, "x", "main", 0.5, 0.4,
                    kl[i], 2 * kl[i], kl[i] / 2, 0.1, 0.9, 1.0, 1.1, true));
        }
    }

    void failed(String stage, String prompt, String category) {
        Object[] v = new Object[Tables.GENERATION.size()];
        v[0] = "e";
        v[1] = stage;
        v[2] = runId(stage);
        v[3] = prompt;
        v[4] = 0;
        set(v, "category", category);
        set(v, "error", "empty prompt");
        generations.add(RowFactory.create(v));
    }

    void draft(String stage, String prompt, int sample, int index, double p, double q, boolean accepted) {
        drafts.add(RowFactory.create("e", stage, runId(stage), prompt, sample, 0, index, 3, "y", p, q, p - q, accepted));
    }

    void judge(String stage, String prompt, int sample, String judge, String kind, String label, Double score, String error) {
        judgments.add(RowFactory.create("e", stage, runId(stage), prompt, sample, judge, "0123456789abcdef", kind, "m", null,
                label, score, null, null, null, null, error));
    }

    private static void set(Object[] v, String column, Object value) {
        v[Tables.GENERATION.fieldIndex(column)] = value;
    }

    /** Writes the tables under root as the jobs would (partitioned by experiment, stage). */
    void write(SparkSession spark, String root, boolean withJudgments) {
        TableStore.overwritePartitions(spark.createDataFrame(generations, Tables.GENERATION), root, Tables.GENERATIONS, Tables.PARTITION_COLUMNS);
        TableStore.overwritePartitions(spark.createDataFrame(tokens, Tables.TOKEN), root, Tables.TOKENS, Tables.PARTITION_COLUMNS);
        TableStore.overwritePartitions(spark.createDataFrame(drafts, Tables.DRAFT), root, Tables.DRAFTS, Tables.PARTITION_COLUMNS);
        if (withJudgments) {
            TableStore.overwritePartitions(spark.createDataFrame(judgments, JUDGMENT), root, AggregateInputs.JUDGMENTS,
                    List.of("experiment", "stage", "judge"));
        }
    }
}
