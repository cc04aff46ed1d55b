package org.specfair.experiment;

import org.specfair.spark.TestSpark;
import org.specfair.demo.DemoCorpus;
import org.specfair.prompts.Prompt;
import org.specfair.prompts.PromptColumns;
import org.specfair.prompts.PromptSource;
import org.specfair.tables.TableStore;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The demo's question asked of the whole pipeline on a smaller config (female and male prompts only, a
 * corpus of their lines): the tiny pair trained on a corpus with a planted bias must show a toxicity gap
 * female - male whose 95% interval excludes zero, and the gap must shrink after finetuning on the
 * counterfactual copy; trained on the same corpus with the bias removed, the gap's interval includes zero.
 * Runs demo pair, counterfactual copy, finetuning, generation, HONEST judging and aggregation for real.
 *
 * <p>{@code -Dspecfair.plantedBias.corpus=unbiased} feeds the first test the control corpus: it must then fail.
 */
@Tag("slow")
class PlantedBiasTest {
    static SparkSession spark;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        spark = TestSpark.local("PlantedBiasTest", 2);
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    /** Difference of two proportions with Newcombe's interval from their Wilson intervals (as group_metrics gives them). */
    record Gap(double estimate, double low, double high) {
        static Gap of(Row a, Row b) {
            double p1 = a.getAs("toxic_rate");
            double l1 = a.getAs("toxic_ci_low");
            double u1 = a.getAs("toxic_ci_high");
            double p2 = b.getAs("toxic_rate");
            double l2 = b.getAs("toxic_ci_low");
            double u2 = b.getAs("toxic_ci_high");
            double d = p1 - p2;
            return new Gap(d, d - Math.sqrt((p1 - l1) * (p1 - l1) + (u2 - p2) * (u2 - p2)),
                    d + Math.sqrt((u1 - p1) * (u1 - p1) + (p2 - l2) * (p2 - l2)));
        }
    }

    /** Runs the small demo on a corpus (biased or control); returns the female - male toxicity gap per stage. */
    private List<Gap> run(boolean biased, boolean withCounterfactual) throws IOException {
        List<Prompt> prompts = PromptSource.load(List.of(Path.of("data/sample_prompts.tsv")), "tsv", PromptColumns.SAMPLE, null, null)
                .stream().filter(p -> Set.of("female", "male").contains(p.group())).toList();
        Path promptFile = dir.resolve("prompts.tsv");
        Files.writeString(promptFile, "prompt_id\tcategory\tidentity\ttemplate\tprompt\n" + prompts.stream()
                .map(p -> String.join("\t", p.promptId(), p.group(), p.identity(), p.template(), p.text()))
                .collect(Collectors.joining("\n")) + "\n");
        Path corpus = Files.writeString(dir.resolve("corpus.txt"), DemoCorpus.text(prompts, biased));
        String text = """
                experiment: planted
                seed: 7
                models: {make: demo, main: %s, assistant: %s, device: cpu}
                prompts:
                  files: [%s]
                  columns: {id: prompt_id, text: prompt, group: category, identity: identity, template: template}
                decoding: {temperature: 1.0, max_new_tokens: 8, num_samples: 3, batch_size: 20}
                datasets:
                  corpus: {path: %s, format: text}
                  corpus_cf: {counterfactual_of: corpus}
                finetune: {context_length: 32, batch_size: 16, learning_rate: 0.005, warmup_steps: 5, epochs: 10, val_fraction: 0.05, seed: 7}
                stages:
                  - {name: base, main: [corpus], assistant: [corpus]}
                %s
                judges: ["lex=honest:lexicon=data/lexicon/demo_lexicon.tsv"]
                report: false
                """.formatted(dir.resolve("models/main"), dir.resolve("models/assistant"), promptFile, corpus,
                withCounterfactual ? "  - {name: counterfactual, main: [corpus_cf], assistant: [corpus_cf], finetune: {epochs: 6, learning_rate: 0.003}}" : "");
        ExperimentFile f = ExperimentFiles.parse(dir.resolve("planted.yaml"), text, LocalDate.of(2026, 11, 30));
        String root = dir.resolve("root").toString();
        ExperimentRunner.Summary s = ExperimentRunner.run(spark, f, root, new PrintStream(new ByteArrayOutputStream()));
        assertTrue(s.complete(), s.toString());
        List<Row> metrics = TableStore.read(spark, root, "group_metrics").filter("judge = 'lex'").collectAsList();
        return f.config().stages().stream().map(stage -> Gap.of(row(metrics, stage.name(), "female"), row(metrics, stage.name(), "male"))).toList();
    }

    private static Row row(List<Row> metrics, String stage, String group) {
        return metrics.stream().filter(r -> stage.equals(r.getAs("stage")) && group.equals(r.getAs("category"))).findFirst()
                .orElseThrow(() -> new AssertionError("no group_metrics row for " + stage + "/" + group));
    }

    @Test
    void plantedBiasIsFoundAndShrinksAfterCounterfactualFinetuning() throws IOException {
        boolean biased = !"unbiased".equals(System.getProperty("specfair.plantedBias.corpus"));
        List<Gap> gaps = run(biased, true);
        Gap base = gaps.get(0);
        Gap after = gaps.get(1);
        System.err.printf("planted bias (%s corpus): female - male toxicity gap: base %.3f [%.3f, %.3f], after counterfactual finetuning %.3f [%.3f, %.3f]%n",
                biased ? "biased" : "unbiased", base.estimate(), base.low(), base.high(), after.estimate(), after.low(), after.high());
        assertTrue(base.low() > 0, "the planted bias is found: the base gap's 95% interval excludes zero: " + base);
        assertTrue(after.estimate() < base.estimate() / 2, "the gap shrinks after counterfactual finetuning: " + base + " -> " + after);
    }

    @Test
    void withoutThePlantedBiasNoSignificantGapIsFound() throws IOException {
        Gap base = run(false, false).get(0);
        System.err.printf("control corpus: female - male toxicity gap at base %.3f [%.3f, %.3f]%n", base.estimate(), base.low(), base.high());
        assertTrue(base.low() < 0 && base.high() > 0, "no significant gap without the planted bias: " + base);
    }
}
