package org.specfair.demo;

import org.specfair.tables.TableStore;
import org.specfair.tables.Tables;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.log;
import static org.apache.spark.sql.functions.lpad;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.xxhash64;

/**
 * Synthetic tables shaped exactly like the jobs' output (generations, drafts, tokens, judgments, milestones,
 * checkpoints), with a planted group bias, for the aggregation benchmark, the SQL and report tests and the
 * notebooks' CI run. Built from {@code spark.range} with hash-based draws, so any size is written in parallel
 * and the rows do not depend on partitioning. Not a model's output: numbers are drawn, not decoded.
 *
 * <p>Planted: group g's match ratio is lower by 0.04 g; its KL scales with 1 + 0.3 g; its toxic rate is
 * 0.05 + 0.04 g, and finetuning (stage index s) moves ratios by -0.03 s and toxic rates by +0.02 s for odd groups.
 */
public final class SyntheticTables {
    public static final List<String> GROUPS = List.of("female", "male", "queer", "nonqueer");
    public static final List<String> STAGES = List.of("base", "main-sst2", "both-imdb");
    public static final String EXPERIMENT = "synthetic";
    static final int DRAFTS_PER_SAMPLE = 6;

    /** Judgments contract (issue 11): keys + judge ... error, partitioned by experiment, stage, judge. */
    public static final StructType JUDGMENT = new StructType(new StructField[] {
            s("experiment"), s("stage"), s("run_id"), s("prompt_id"), f("sample_index", DataTypes.IntegerType),
            s("judge"), s("judge_id"), s("judge_kind"), s("judge_model"), s("prompt_variant"), s("label"),
            f("score", DataTypes.DoubleType), s("explanation"), s("raw_output"), s("hurtlex_category"),
            f("categories", DataTypes.createArrayType(DataTypes.StringType)), s("error")});

    /** Milestones contract (issue 12), partitioned by experiment, stage. */
    public static final StructType MILESTONE = new StructType(new StructField[] {
            s("experiment"), s("stage"), s("role"), s("dataset"), f("step", DataTypes.LongType), f("epoch", DataTypes.IntegerType),
            f("tokens_seen", DataTypes.LongType), f("train_loss", DataTypes.DoubleType), f("val_loss", DataTypes.DoubleType),
            s("category"), f("kl_model_partner", DataTypes.DoubleType), f("kl_partner_model", DataTypes.DoubleType)});

    /** Checkpoints contract (issue 12), partitioned by experiment. */
    public static final StructType CHECKPOINT = new StructType(new StructField[] {
            s("experiment"), s("stage"), s("role"), s("path"), s("base_model"), s("parent_stage"),
            f("datasets", DataTypes.createArrayType(DataTypes.StringType)), s("hyperparameters"), f("steps", DataTypes.LongType),
            f("final_train_loss", DataTypes.DoubleType), f("final_val_loss", DataTypes.DoubleType), s("fingerprint")});

    /** Sizes: prompts per group and stage, samples per prompt, tokens per sample. */
    public record Size(int promptsPerGroup, int samples, int tokensPerSample) {
        public long generations() {
            return (long) GROUPS.size() * promptsPerGroup * samples * STAGES.size();
        }

        public long tokens() {
            return generations() * tokensPerSample;
        }

        /** A size with about {@code tokens} token rows (20 tokens per sample, one sample per prompt). */
        public static Size ofTokens(long tokens) {
            long perGroupStage = Math.max(1, tokens / (20L * GROUPS.size() * STAGES.size()));
            return new Size((int) perGroupStage, 1, 20);
        }
    }

    private SyntheticTables() {}

    /** Writes all six tables under root for experiment {@value #EXPERIMENT}; returns the row counts written. */
    public static Map<String, Long> write(SparkSession spark, String root, Size size, boolean withJudgments) {
        Map<String, Long> counts = new HashMap<>();
        long gens = size.generations();
        Dataset<Row> g = spark.range(gens).toDF("g");
        TableStore.overwritePartitions(generations(g, size), root, Tables.GENERATIONS, Tables.PARTITION_COLUMNS);
        counts.put(Tables.GENERATIONS, gens);
        Dataset<Row> t = spark.range(size.tokens()).toDF("id")
                .withColumn("g", floor(col("id").divide(size.tokensPerSample())))
                .withColumn("position", pmod(col("id"), lit(size.tokensPerSample())).plus(8));
        TableStore.overwritePartitions(tokens(t, size), root, Tables.TOKENS, Tables.PARTITION_COLUMNS);
        counts.put(Tables.TOKENS, size.tokens());
        Dataset<Row> d = spark.range(gens * DRAFTS_PER_SAMPLE).toDF("id")
                .withColumn("g", floor(col("id").divide(DRAFTS_PER_SAMPLE)))
                .withColumn("k", pmod(col("id"), lit(DRAFTS_PER_SAMPLE)));
        TableStore.overwritePartitions(drafts(d, size), root, Tables.DRAFTS, Tables.PARTITION_COLUMNS);
        counts.put(Tables.DRAFTS, gens * DRAFTS_PER_SAMPLE);
        if (withJudgments) {
            Dataset<Row> j = judgments(g, size);
            TableStore.overwritePartitions(j, root, "judgments", List.of("experiment", "stage", "judge"));
            counts.put("judgments", gens * 2);
            TableStore.overwritePartitions(milestones(spark), root, "milestones", Tables.PARTITION_COLUMNS);
            TableStore.overwritePartitions(checkpoints(spark), root, "checkpoints", List.of("experiment"));
        }
        return counts;
    }

    // Index layout of a generation g: stage-major, then group, prompt, sample.
    private static Column stageIndex(Column g, Size size) {
        return floor(g.divide((long) GROUPS.size() * size.promptsPerGroup() * size.samples())).cast("int");
    }

    private static Column groupIndex(Column g, Size size) {
        return pmod(floor(g.divide((long) size.promptsPerGroup() * size.samples())), lit(GROUPS.size())).cast("int");
    }

    private static Column promptIndex(Column g, Size size) {
        return pmod(floor(g.divide(size.samples())), lit((long) GROUPS.size() * size.promptsPerGroup()));
    }

    /** A uniform draw in [0, 1) from a hash of (key, salt): the same row gets the same draw on any partitioning. */
    static Column uniform(Column key, int salt) {
        return pmod(xxhash64(key, lit(salt)), lit(1L << 40)).divide((double) (1L << 40));
    }

    private static Column pick(List<String> values, Column index) {
        return element_at(array(values.stream().map(org.apache.spark.sql.functions::lit).toArray(Column[]::new)), index.plus(1));
    }

    private static Map<String, Column> keys(Column g, Size size) {
        Map<String, Column> m = new HashMap<>();
        Column stage = stageIndex(g, size);
        m.put("experiment", lit(EXPERIMENT));
        m.put("stage", pick(STAGES, stage));
        m.put("run_id", concat(lit("5e17e71c0000000"), stage.cast("string")));
        m.put("prompt_id", concat(lit("p"), lpad(promptIndex(g, size).cast("string"), 7, "0")));
        m.put("sample_index", pmod(g, lit(size.samples())).cast("int"));
        return m;
    }

    static Dataset<Row> generations(Dataset<Row> range, Size size) {
        Column g = col("g");
        Column group = groupIndex(g, size);
        Column stage = stageIndex(g, size);
        Column meanRatio = lit(0.62).minus(group.multiply(0.04)).minus(stage.multiply(0.03).multiply(pmod(group, lit(2))));
        Column ratio = floor(greatest(lit(0.0), least(lit(1.0), meanRatio.plus(uniform(g, 1).minus(0.5).multiply(0.4)))).multiply(20)).divide(20.0);
        Map<String, Column> m = keys(g, size);
        m.put("category", pick(GROUPS, group));
        m.put("group", pick(GROUPS, group));
        m.put("identity", pick(List.of("the woman", "the man", "the gay person", "the straight person"), group));
        m.put("template", lit("[I] worked as a"));
        m.put("prompt", concat(pick(List.of("The woman", "The man", "The gay person", "The straight person"), group), lit(" worked as a")));
        m.put("completion", lit(" nurse in the city"));
        m.put("main_model", lit("synthetic-main"));
        m.put("assistant_model", lit("synthetic-draft"));
        m.put("mode", lit("speculative"));
        m.put("temperature", lit(0.0));
        m.put("schedule", lit("heuristic"));
        m.put("num_assistant_tokens", lit(5));
        m.put("max_new_tokens", lit(20));
        m.put("seed", lit(0L));
        m.put("new_tokens", lit(size.tokensPerSample()));
        m.put("n_matches", ratio.multiply(20).cast("int"));
        m.put("ratio", ratio);
        m.put("proposed", lit(DRAFTS_PER_SAMPLE));
        m.put("accepted", ratio.multiply(DRAFTS_PER_SAMPLE).cast("int"));
        m.put("acceptance_rate", least(lit(1.0), ratio.multiply(1.1)));
        m.put("agreement_rate", least(lit(1.0), ratio.plus(0.1)));
        m.put("rounds", lit(6));
        m.put("finish_reason", lit("length"));
        m.put("wall_ms", lit(12.5));
        return conform(range, m, Tables.GENERATION);
    }

    static Dataset<Row> tokens(Dataset<Row> range, Size size) {
        Column g = col("g");
        Column scale = lit(0.3).multiply(lit(1.0).plus(groupIndex(g, size).multiply(0.3))).multiply(lit(1.0).plus(stageIndex(g, size).multiply(0.2)));
        Column kl = log(lit(1.0).minus(uniform(col("id"), 2))).multiply(-1).multiply(scale);  // exponential: a long right tail
        Map<String, Column> m = keys(g, size);
        m.put("position", col("position").cast("int"));
        m.put("token_id", pmod(col("id"), lit(500)).cast("int"));
        m.put("token", lit("tok"));
        m.put("source", when(uniform(col("id"), 3).lt(0.6), lit("accepted_draft")).otherwise(lit("correction")));
        m.put("p", uniform(col("id"), 4));
        m.put("q", uniform(col("id"), 5));
        m.put("kl_main_assistant", kl);
        m.put("kl_assistant_main", kl.multiply(lit(0.8).plus(uniform(col("id"), 6).multiply(0.4))));
        m.put("js", kl.divide(4));
        m.put("tv", least(lit(1.0), kl.divide(3)));
        m.put("alpha", lit(1.0).minus(least(lit(1.0), kl.divide(3))));
        m.put("entropy_main", lit(2.5));
        m.put("entropy_assistant", lit(2.7));
        m.put("argmax_agrees", uniform(col("id"), 7).lt(0.7));
        return conform(range, m, Tables.TOKEN);
    }

    static Dataset<Row> drafts(Dataset<Row> range, Size size) {
        Column g = col("g");
        Column p = uniform(col("id"), 8);
        Column q = uniform(col("id"), 9);
        Map<String, Column> m = keys(g, size);
        m.put("round", floor(col("k").divide(3)).cast("int"));
        m.put("index_in_round", pmod(col("k"), lit(3)).cast("int"));
        m.put("token_id", pmod(col("id"), lit(500)).cast("int"));
        m.put("token", lit("tok"));
        m.put("p_i", p);
        m.put("q_i", q);
        m.put("p_minus_q", p.minus(q));
        m.put("accepted", uniform(col("id"), 10).lt(least(lit(1.0), p.divide(greatest(q, lit(1e-9))))));
        return conform(range, m, Tables.DRAFT);
    }

    /** Two judges per generation: "tulu" (llm, 2% unparsed) and "lex" (honest). */
    static Dataset<Row> judgments(Dataset<Row> range, Size size) {
        Column g = col("g");
        Column group = groupIndex(g, size);
        Column rate = lit(0.05).plus(group.multiply(0.04)).plus(stageIndex(g, size).multiply(0.02).multiply(pmod(group, lit(2))));
        Dataset<Row> out = null;
        for (String judge : List.of("tulu", "lex")) {
            boolean llm = judge.equals("tulu");
            Column u = uniform(g, llm ? 11 : 12);
            Column toxic = u.lt(rate);
            Map<String, Column> m = keys(g, size);
            m.put("judge", lit(judge));
            m.put("judge_id", lit(llm ? "a1b2c3d4e5f60718" : "0f1e2d3c4b5a6978"));
            m.put("judge_kind", lit(llm ? "llm" : "honest"));
            m.put("judge_model", lit(llm ? "synthetic-tulu" : "demo_lexicon.tsv"));
            m.put("prompt_variant", llm ? lit("code") : lit(null).cast("string"));
            m.put("label", llm ? when(uniform(g, 13).lt(0.02), lit("unparsed")).when(toxic, lit("toxic")).otherwise(lit("non_toxic"))
                    : when(toxic, lit("toxic")).otherwise(lit("non_toxic")));
            m.put("score", llm ? when(toxic, lit(0.5).plus(u.divide(2))).otherwise(u.divide(2)) : when(toxic, lit(1.0)).otherwise(lit(0.0)));
            Dataset<Row> one = conform(range, m, JUDGMENT);
            out = out == null ? one : out.unionByName(one);
        }
        return out;
    }

    static Dataset<Row> milestones(SparkSession spark) {
        Dataset<Row> r = spark.range(STAGES.size() * 2L * 10 * (GROUPS.size() + 1)).toDF("id");
        Column stage = floor(col("id").divide(2L * 10 * (GROUPS.size() + 1))).cast("int");
        Column role = pmod(floor(col("id").divide(10L * (GROUPS.size() + 1))), lit(2)).cast("int");
        Column step = pmod(floor(col("id").divide(GROUPS.size() + 1)), lit(10)).multiply(50);
        Column cat = pmod(col("id"), lit(GROUPS.size() + 1)).cast("int");
        Column kl = lit(0.8).divide(lit(1.0).plus(step.divide(200.0))).multiply(lit(1.0).plus(cat.multiply(0.1)));
        Map<String, Column> m = new HashMap<>();
        m.put("experiment", lit(EXPERIMENT));
        m.put("stage", pick(STAGES, stage));
        m.put("role", when(role.equalTo(0), lit("main")).otherwise(lit("assistant")));
        m.put("dataset", pick(List.of("none", "sst2", "imdb"), stage));
        m.put("step", step.cast("long"));
        m.put("epoch", lit(0));
        m.put("tokens_seen", step.multiply(4096).cast("long"));
        m.put("train_loss", lit(3.5).divide(lit(1.0).plus(step.divide(300.0))));
        m.put("val_loss", lit(3.7).divide(lit(1.0).plus(step.divide(350.0))));
        m.put("category", when(cat.equalTo(GROUPS.size()), lit("all")).otherwise(pick(GROUPS, cat)));
        m.put("kl_model_partner", kl);
        m.put("kl_partner_model", kl.multiply(1.1));
        return conform(r.filter(stage.gt(0)), m, MILESTONE);
    }

    static Dataset<Row> checkpoints(SparkSession spark) {
        List<Row> rows = new java.util.ArrayList<>();
        for (int s = 1; s < STAGES.size(); s++) {
            rows.add(org.apache.spark.sql.RowFactory.create(EXPERIMENT, STAGES.get(s), "main", "/ckpt/" + STAGES.get(s), "synthetic-main",
                    STAGES.get(s - 1), scala.jdk.javaapi.CollectionConverters.asScala(List.of("sst2")).toSeq(), "{}", 500L, 2.1, 2.3, "sha256:0000000000000000"));
        }
        return spark.createDataFrame(rows, CHECKPOINT);
    }

    /** The given columns in the schema's order and types; the schema's other columns are null. */
    static Dataset<Row> conform(Dataset<Row> range, Map<String, Column> columns, StructType schema) {
        Column[] out = new Column[schema.size()];
        for (int i = 0; i < out.length; i++) {
            StructField f = schema.fields()[i];
            out[i] = columns.getOrDefault(f.name(), lit(null)).cast(f.dataType()).as(f.name());
        }
        return range.select(out);
    }

    private static StructField s(String name) {
        return DataTypes.createStructField(name, DataTypes.StringType, true);
    }

    private static StructField f(String name, org.apache.spark.sql.types.DataType type) {
        return DataTypes.createStructField(name, type, true);
    }
}
