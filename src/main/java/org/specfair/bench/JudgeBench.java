package org.specfair.bench;

import org.specfair.checkpoint.ModelConfig;
import org.specfair.judge.ChatFormat;
import org.specfair.judge.ChatModelJudge;
import org.specfair.judge.ClassifierJudge;
import org.specfair.judge.ClassifierTraining;
import org.specfair.judge.DemoToxicitySet;
import org.specfair.judge.JudgeConfig;
import org.specfair.judge.JudgeSpec;
import org.specfair.judge.PromptVariant;
import org.specfair.judge.Statement;
import org.specfair.lm.CausalLM;
import org.specfair.lm.Models;
import org.specfair.spark.Sessions;
import org.specfair.tokenizer.BpeTrainer;
import org.specfair.tokenizer.TextTokenizer;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.lit;

/**
 * {@code jobs/bench judge [--quick] [--statements N] [--answer-tokens T] [--rows R]}: judge throughput.
 * <ol>
 *   <li>LLM judge on a LLaMA model with gpt-neo-125M's shapes (d 768, 12 layers, 12 heads, MLP 3072; LLaMA's
 *       32,000-id vocabulary; random weights, so answers run to the token budget), Tulu format, code variant:
 *       statements/s at batch 1 (the baseline) and batch 16, full answers vs p_yes only (one forward pass);</li>
 *   <li>classifier judge in local[2] (trained on the demo set first): rows/s of scoring R statements and
 *       writing them to Spark's no-op sink, against the same read-and-write without the classifier.</li>
 * </ol>
 * Statements are the demo labelled set's texts (about 10-15 words). The numbers are wall time on a shared
 * machine: other processes' load shows up in them; compare ratios measured in the same run.
 */
public final class JudgeBench {
    private JudgeBench() {}

    public static void main(String[] args) throws Exception {
        boolean quick = false;
        int statements = 32;
        int answerTokens = 16;
        long rows = 200_000;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> quick = true;
                case "--statements" -> statements = Integer.parseInt(args[++i]);
                case "--answer-tokens" -> answerTokens = Integer.parseInt(args[++i]);
                case "--rows" -> rows = Long.parseLong(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + " (--quick, --statements N, --answer-tokens T, --rows R)");
            }
        }
        if (quick) {
            statements = 16;
            answerTokens = 8;
            rows = 50_000;
        }
        Path tmp = Files.createTempDirectory("specfair-judge-bench");
        try {
            SparkSession spark = Sessions.create("specfair judge bench", "local[2]", false);
            try {
                llm(tmp, statements, answerTokens);
                classifier(spark, tmp, rows);
            } finally {
                spark.stop();
            }
        } finally {
            try (var walk = Files.walk(tmp)) {
                walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    static void llm(Path tmp, int n, int answerTokens) {
        List<String> texts = DemoToxicitySet.rows().stream().map(r -> r[0]).limit(n).toList();
        List<String> training = new ArrayList<>(texts);
        training.add(ChatFormat.TULU.render(PromptVariant.CODE.message("x")));
        BpeTrainer.train(training, 2000).write(tmp.resolve("tok"));
        ModelConfig cfg = new ModelConfig("llama", 32000, 768, 12, 12, 12, 3072, 2048, 1e-6, 10000.0, 0, new boolean[12],
                "silu", false, 2, 1, "float32");
        List<Statement> batch = texts.stream().map(t -> new Statement("", t)).toList();
        try (TextTokenizer tok = TextTokenizer.load(tmp.resolve("tok"));
             CausalLM model = Models.random(cfg, 7, "cpu", "float32")) {
            ChatModelJudge full = ChatModelJudge.yesNo(model, tok, ChatFormat.TULU, PromptVariant.CODE, false, answerTokens);
            ChatModelJudge pYes = ChatModelJudge.yesNo(model, tok, ChatFormat.TULU, PromptVariant.CODE, false, 0);
            double promptTokens = batch.stream().mapToInt(s -> full.promptIds(s).length).average().orElse(0);
            System.out.printf("LLM judge: LLaMA d 768, 12 layers, vocab 32000 (random weights), %d statements, prompts %.0f tokens on average,"
                    + " full answers %d tokens, CPU threads %d%n", n, promptTokens, answerTokens, Runtime.getRuntime().availableProcessors());
            full.judge(batch.subList(0, Math.min(2, n))); // warm-up
            double full1 = rate(full, batch, 1);
            double full16 = rate(full, batch, 16);
            double p1 = rate(pYes, batch, 1);
            double p16 = rate(pYes, batch, 16);
            System.out.printf("  full answer  batch 1: %8.2f statements/s (baseline)%n", full1);
            System.out.printf("  full answer  batch 16: %7.2f statements/s (%.2fx batch 1)%n", full16, full16 / full1);
            System.out.printf("  p_yes only   batch 1: %8.2f statements/s (%.2fx full answer batch 1)%n", p1, p1 / full1);
            System.out.printf("  p_yes only   batch 16: %7.2f statements/s (%.2fx full answer batch 16, %.2fx p_yes batch 1)%n",
                    p16, p16 / full16, p16 / p1);
        }
    }

    static double rate(ChatModelJudge judge, List<Statement> statements, int batch) {
        long t0 = System.nanoTime();
        for (int i = 0; i < statements.size(); i += batch) {
            judge.judge(statements.subList(i, Math.min(statements.size(), i + batch)));
        }
        return statements.size() / ((System.nanoTime() - t0) / 1e9);
    }

    static void classifier(SparkSession spark, Path tmp, long rows) {
        Path data = DemoToxicitySet.write(tmp.resolve("demo_toxicity.csv"));
        Path model = tmp.resolve("clf");
        ClassifierTraining.Metrics m = ClassifierTraining.train(spark, data.toString(), "text", "label", model.toString(), "hashing", 20);
        JudgeConfig judge = JudgeConfig.resolve(JudgeSpec.parse("clf=classifier:model=" + model), spark.sparkContext().hadoopConfiguration());
        List<String> texts = DemoToxicitySet.rows().stream().map(r -> r[0]).toList();
        spark.createDataset(texts, org.apache.spark.sql.Encoders.STRING()).toDF("text").write().parquet(tmp.resolve("texts").toString());
        Dataset<Row> base = spark.read().parquet(tmp.resolve("texts").toString());
        Dataset<Row> generations = spark.range(rows).repartition(2).crossJoin(base.limit(1)).drop("text")
                .withColumn("experiment", lit("bench")).withColumn("stage", lit("base")).withColumn("run_id", lit("r"))
                .withColumn("prompt_id", col("id").cast("string")).withColumn("sample_index", lit(0))
                .withColumn("category", lit("all")).withColumn("prompt", lit(""))
                .withColumn("completion", concat(lit(texts.get(0) + " "), col("id").cast("string")))
                .withColumn("error", lit(null).cast("string")).drop("id");
        generations.write().format("noop").mode("overwrite").save(); // warm-up
        long t0 = System.nanoTime();
        generations.write().format("noop").mode("overwrite").save();
        double plain = rows / ((System.nanoTime() - t0) / 1e9);
        t0 = System.nanoTime();
        ClassifierJudge.apply(generations, judge, null).write().format("noop").mode("overwrite").save();
        double judged = rows / ((System.nanoTime() - t0) / 1e9);
        System.out.printf("classifier judge: trained on the demo set (%s), local[2], %d rows%n", m, rows);
        System.out.printf("  rows without judging:  %10.0f rows/s (baseline)%n", plain);
        System.out.printf("  rows judged:           %10.0f rows/s (%.2fx baseline)%n", judged, judged / plain);
        System.out.println("(wall time on a machine shared with other developers' builds: treat the numbers as noisy)");
    }
}
