package org.specfair.judge;

import org.specfair.finetune.CounterfactualSwapper;
import org.specfair.tables.TableStore;
import org.specfair.tables.Tables;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.LongAccumulator;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.apache.spark.sql.functions.col;

/**
 * The judge job: {@code generations} -> each judge -> {@code judgments} (one row per generation sample
 * and judge), partitioned by experiment, stage and judge; with identity-swap pairs also
 * {@code counterfactuals} (the swapped statement judged again).
 *
 * <p>Like the generation job it is safe to repeat: each judge's labels are computed once into a
 * staging folder, then exactly that judge's (experiment, stage) partitions are rewritten. Incremental
 * mode keeps rows written without error under the same judge_id (same settings, same model or lexicon
 * bytes) and judges only the rest. Model judges load their checkpoint once per executor JVM
 * ({@link org.specfair.spark.ExecutorModels}) and judge statements in batches; the classifier runs as
 * an MLlib transform; the lexicon judge is a plain per-row function.
 */
public final class JudgeJob {
    private static final Logger LOG = LogManager.getLogger(JudgeJob.class);

    /** What the judge tasks read from generations. */
    static final List<String> INPUT_COLUMNS = List.of("experiment", "stage", "run_id", "prompt_id", "sample_index",
            "category", "prompt", "completion", "error");
    static final List<String> KEY_COLUMNS = List.of("experiment", "stage", "run_id", "prompt_id", "sample_index");

    /** Staging layout: one judgment and (when counterfactuals are on and the swap changed the text) one counterfactual. */
    static final StructType RESULT = new StructType(new StructField[] {
            DataTypes.createStructField("judgment", Tables.JUDGMENT, false),
            DataTypes.createStructField("counterfactual", Tables.COUNTERFACTUAL, true),
    });

    /** What a run did, per judge. */
    public record JudgeSummary(String judge, String judgeId, long judged, long kept, long errorRows, long unparsed) {}

    /** What a run did (also printed by the CLI). */
    public record Summary(List<JudgeSummary> judges, long modelLoads) {}

    private JudgeJob() {}

    /** spark-submit entry point ({@code --class org.specfair.judge.JudgeJob}): arguments as for {@code jobs/judge}. */
    public static void main(String[] args) {
        org.specfair.cli.SpecFair.exitWith("judge", args);
    }

    public static Summary run(SparkSession spark, JudgeOptions opts) {
        // Resolve every judge first: a bad spec, model or lexicon fails before anything is judged or written.
        List<JudgeConfig> judges = opts.judges().stream().map(j -> JudgeConfig.resolve(j, TableStore.hadoop(spark))).toList();
        CounterfactualSwapper swap = opts.swapPairs() == null ? null
                : opts.swapPairs().equals("default") ? CounterfactualSwapper.defaults() : CounterfactualSwapper.read(Path.of(opts.swapPairs()));
        Dataset<Row> generations = generations(spark, opts);
        LongAccumulator loads = spark.sparkContext().longAccumulator("judge model loads");
        List<JudgeSummary> out = new ArrayList<>();
        for (JudgeConfig judge : judges) {
            out.add(runJudge(spark, opts, judge, swap, generations, loads));
        }
        return new Summary(out, loads.value());
    }

    /** The generations to judge (experiment, optional stage); a missing table or experiment is a one-line error. */
    static Dataset<Row> generations(SparkSession spark, JudgeOptions opts) {
        if (!TableStore.exists(spark, opts.root(), Tables.GENERATIONS)) {
            throw new IllegalArgumentException(TableStore.path(opts.root(), Tables.GENERATIONS) + ": no generations table (run jobs/generate first)");
        }
        Column mine = col("experiment").equalTo(opts.experiment());
        if (opts.stage() != null) {
            mine = mine.and(col("stage").equalTo(opts.stage()));
        }
        Dataset<Row> g = TableStore.read(spark, opts.root(), Tables.GENERATIONS).filter(mine)
                .select(INPUT_COLUMNS.stream().map(org.apache.spark.sql.functions::col).toArray(Column[]::new));
        if (g.isEmpty()) {
            throw new IllegalArgumentException(TableStore.path(opts.root(), Tables.GENERATIONS) + ": no generations for experiment="
                    + opts.experiment() + (opts.stage() == null ? "" : " stage=" + opts.stage()));
        }
        return g;
    }

    private static JudgeSummary runJudge(SparkSession spark, JudgeOptions opts, JudgeConfig judge, CounterfactualSwapper swap,
                                         Dataset<Row> generations, LongAccumulator loads) {
        String root = opts.root();
        Dataset<Row> keptJudgments = null;
        Dataset<Row> todo = generations;
        if (opts.incremental() && TableStore.exists(spark, root, Tables.JUDGMENTS)) {
            Dataset<Row> existing = TableStore.read(spark, root, Tables.JUDGMENTS)
                    .filter(col("judge").equalTo(judge.name()).and(col("judge_id").equalTo(judge.judgeId()))
                            .and(col("error").isNull()))
                    .join(generations.select(KEY_COLUMNS.stream().map(org.apache.spark.sql.functions::col).toArray(Column[]::new)),
                            scala(KEY_COLUMNS), "left_semi");
            if (swap != null) {
                // Counterfactuals are judged with their originals: a sample whose statement changes under the swap is
                // kept only when its twin was written too.
                Dataset<Row> twinMissing = needsTwin(generations, judge, swap)
                        .join(counterfactualsWritten(spark, root, judge), scala(KEY_COLUMNS), "left_anti");
                existing = existing.join(twinMissing, scala(KEY_COLUMNS), "left_anti");
            }
            keptJudgments = existing;
            todo = generations.join(existing.select(KEY_COLUMNS.stream().map(org.apache.spark.sql.functions::col).toArray(Column[]::new)),
                    scala(KEY_COLUMNS), "left_anti");
        }
        String staging = TableStore.path(root, "_staging") + "/judge-" + judge.name() + "-" + UUID.randomUUID();
        try {
            spark.sparkContext().setJobDescription("specfair judge " + judge.name() + " on " + opts.experiment());
            Dataset<Row> results = switch (judge.kind()) {
                case JudgeSpec.CLASSIFIER -> ClassifierJudge.apply(todo, judge, swap);
                default -> {
                    int batch = judge.spec().getInt("batch_size", opts.batchSize());
                    JavaRDD<Row> input = todo.javaRDD();
                    int partitions = opts.partitions() > 0 ? opts.partitions() : spark.sparkContext().defaultParallelism();
                    String device = judge.spec().get("device", opts.device());
                    JavaRDD<Row> rows = input.repartition(Math.max(1, partitions))
                            .mapPartitions(new JudgeTask(judge, batch, device, swap, loads, TableStore.hadoop(spark)));
                    yield spark.createDataFrame(rows, RESULT);
                }
            };
            results.write().parquet(staging + "/new");
            Dataset<Row> fresh = spark.read().schema(RESULT).parquet(staging + "/new");
            long judged = fresh.count();
            long errors = fresh.filter(col("judgment.error").isNotNull()).count();
            long unparsed = fresh.filter(col("judgment.label").equalTo(Label.UNPARSED)).count();
            long kept = 0;
            Dataset<Row> judgments = fresh.select("judgment.*");
            Dataset<Row> counterfactuals = fresh.filter(col("counterfactual").isNotNull()).select("counterfactual.*");
            if (keptJudgments != null) {
                // Copy kept rows out first: a table cannot be read and overwritten in one job.
                keptJudgments.write().parquet(staging + "/kept-judgments");
                Dataset<Row> k = spark.read().parquet(staging + "/kept-judgments");
                kept = k.count();
                judgments = judgments.unionByName(k);
                if (swap != null && TableStore.exists(spark, root, Tables.COUNTERFACTUALS)) {
                    TableStore.read(spark, root, Tables.COUNTERFACTUALS)
                            .filter(col("judge").equalTo(judge.name()).and(col("judge_id").equalTo(judge.judgeId())))
                            .join(k.select(KEY_COLUMNS.stream().map(org.apache.spark.sql.functions::col).toArray(Column[]::new)),
                                    scala(KEY_COLUMNS), "left_semi")
                            .write().parquet(staging + "/kept-counterfactuals");
                    counterfactuals = counterfactuals.unionByName(spark.read().parquet(staging + "/kept-counterfactuals"));
                }
            }
            if (judged > 0 || kept > 0) {
                TableStore.overwritePartitions(judgments, root, Tables.JUDGMENTS, Tables.JUDGE_PARTITION_COLUMNS);
            }
            if (swap != null) {
                replaceCounterfactuals(spark, opts, judge, counterfactuals, generations);
            }
            JudgeSummary s = new JudgeSummary(judge.name(), judge.judgeId(), judged, kept, errors, unparsed);
            LOG.info("judge {} ({}): {} judged ({} errors, {} unparsed), {} kept -> {}", s.judge(), s.judgeId(), s.judged(),
                    s.errorRows(), s.unparsed(), s.kept(), TableStore.path(root, Tables.JUDGMENTS));
            return s;
        } finally {
            TableStore.delete(spark, staging);
        }
    }

    /** Keys of the generations whose judged statement the swap changes (those get a counterfactual row). */
    private static Dataset<Row> needsTwin(Dataset<Row> generations, JudgeConfig judge, CounterfactualSwapper swap) {
        boolean includePrompt = judge.includePrompt();
        org.apache.spark.sql.expressions.UserDefinedFunction changes = org.apache.spark.sql.functions.udf(
                (org.apache.spark.sql.api.java.UDF2<String, String, Boolean>) (prompt, completion) -> {
                    Statement s = new Statement(prompt, completion);
                    return !s.swapped(swap).text(includePrompt).equals(s.text(includePrompt));
                }, DataTypes.BooleanType);
        return generations.filter(col("error").isNull().and(col("completion").isNotNull())
                        .and(changes.apply(col("prompt"), col("completion"))))
                .select(KEY_COLUMNS.stream().map(org.apache.spark.sql.functions::col).toArray(Column[]::new));
    }

    /** Keys of samples whose counterfactual is written under this judge id. */
    private static Dataset<Row> counterfactualsWritten(SparkSession spark, String root, JudgeConfig judge) {
        // Without a counterfactuals table no sample counts as complete, so all are judged again with their twins.
        if (!TableStore.exists(spark, root, Tables.COUNTERFACTUALS)) {
            return spark.createDataFrame(List.of(), new StructType(KEY_COLUMNS.stream().map(c -> DataTypes.createStructField(c,
                    c.equals("sample_index") ? DataTypes.IntegerType : DataTypes.StringType, true)).toArray(StructField[]::new)));
        }
        return TableStore.read(spark, root, Tables.COUNTERFACTUALS)
                .filter(col("judge").equalTo(judge.name()).and(col("judge_id").equalTo(judge.judgeId())))
                .select(KEY_COLUMNS.stream().map(org.apache.spark.sql.functions::col).toArray(Column[]::new));
    }

    /** Rewrites this judge's counterfactual partitions for the judged stages; a stage left without rows is cleared. */
    private static void replaceCounterfactuals(SparkSession spark, JudgeOptions opts, JudgeConfig judge, Dataset<Row> rows,
                                               Dataset<Row> generations) {
        java.util.Set<String> written = new java.util.HashSet<>(rows.select("stage").distinct()
                .as(org.apache.spark.sql.Encoders.STRING()).collectAsList());
        if (!written.isEmpty()) {
            TableStore.overwritePartitions(rows, opts.root(), Tables.COUNTERFACTUALS, Tables.JUDGE_PARTITION_COLUMNS);
        }
        for (String stage : generations.select("stage").distinct().as(org.apache.spark.sql.Encoders.STRING()).collectAsList()) {
            if (!written.contains(stage)) {
                java.util.Map<String, String> partition = new java.util.LinkedHashMap<>();
                partition.put("experiment", opts.experiment());
                partition.put("stage", stage);
                partition.put("judge", judge.name());
                TableStore.deletePartition(spark, opts.root(), Tables.COUNTERFACTUALS, partition);
            }
        }
    }

    static scala.collection.immutable.Seq<String> scala(List<String> columns) {
        return scala.jdk.javaapi.CollectionConverters.asScala(columns).toList();
    }

    /** A judgments row for one generation row and verdict. */
    static Row judgmentRow(Row g, JudgeConfig judge, Verdict v) {
        return RowFactory.create(g.getAs("experiment"), g.getAs("stage"), g.getAs("run_id"), g.getAs("prompt_id"),
                g.getAs("sample_index"), judge.name(), judge.judgeId(), judge.kind(), judge.judgeModel(), judge.promptVariant(),
                v.label(), v.score(), v.explanation(), v.rawOutput(), v.hurtlexCategory(),
                v.categories() == null ? null : scala.jdk.javaapi.CollectionConverters.asScala(v.categories()).toSeq(), v.error());
    }

    /** A counterfactuals row: the swapped statement's verdict next to the original's label. */
    static Row counterfactualRow(Row g, JudgeConfig judge, String swapped, Verdict original, Verdict twin) {
        Boolean flipped = original.error() != null || twin.error() != null ? null : !java.util.Objects.equals(original.label(), twin.label());
        return RowFactory.create(g.getAs("experiment"), g.getAs("stage"), g.getAs("run_id"), g.getAs("prompt_id"),
                g.getAs("sample_index"), judge.name(), judge.judgeId(), judge.kind(), judge.judgeModel(), judge.promptVariant(),
                g.getAs("category"), swapped, original.label(), twin.label(), twin.score(), twin.rawOutput(), flipped, twin.error());
    }
}
