package org.specfair.finetune;

import org.specfair.checkpoint.Checkpoint;
import org.specfair.demo.DemoModels;
import org.specfair.prompts.Prompt;
import org.specfair.prompts.PromptColumns;
import org.specfair.prompts.PromptSource;
import org.specfair.tables.TableStore;
import org.specfair.tables.Tables;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A stage plan over the demo pair: two models, two datasets in sequence, a second stage; lineage and milestones. */
class StageRunnerTest {
    static SparkSession spark;
    @TempDir
    static Path shared;
    static DemoModels.Written models;
    static Map<String, DatasetSpec> datasets;
    static List<Prompt> probe;

    @BeforeAll
    static void start() {
        spark = SparkSession.builder().master("local[1]").appName("StageRunnerTest")
                .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2")
                .config("spark.sql.sources.partitionColumnTypeInference.enabled", "false").getOrCreate();
        models = TinyCorpus.models(shared.resolve("models"));
        Path jobs = TinyCorpus.jsonl(shared.resolve("data"), "jobs", TinyCorpus.sentences(120, 1));
        Path other = TinyCorpus.jsonl(shared.resolve("data"), "other", TinyCorpus.sentences(120, 2).stream()
                .map(s -> s.replace("worked as a", "never was a")).toList());
        datasets = Map.of("jobs", new DatasetSpec("jobs", jobs.toString(), null, null),
                "other", new DatasetSpec("other", other.toString(), null, null));
        List<Prompt> all = PromptSource.load(List.of(Path.of("data/sample_prompts.tsv")), "tsv", PromptColumns.SAMPLE, null, null);
        probe = java.util.stream.Stream.concat(all.stream().filter(p -> p.group().equals("female")).limit(6),
                all.stream().filter(p -> p.group().equals("male")).limit(6)).toList();
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    static StagePlan plan(List<StagePlan.Stage> stages) {
        TrainConfig c = TrainConfig.DEFAULTS.withAll(Map.of("context_length", "32", "batch_size", "4", "max_steps", "4",
                "learning_rate", "2e-3", "milestone_every", "2"));
        return new StagePlan("e1", models.main().toString(), models.draft().toString(), datasets, c, stages, probe, "cpu");
    }

    @Test
    void twoModelsOnTwoSequentialDatasetsGiveCheckpointsWithLineageAndMilestones(@TempDir Path tmp) {
        String root = tmp.resolve("out").toString();
        StagePlan p = plan(List.of(
                new StagePlan.Stage("s1", null, List.of("jobs", "other"), List.of("other", "jobs"), null),
                new StagePlan.Stage("s2", null, List.of(), List.of("jobs"), Map.of("max_steps", "2"))));
        StageRunner.Summary s = StageRunner.run(spark, p, root, tmp.resolve("models"));
        assertEquals(4, s.checkpoints().size());

        Map<String, Row> rows = TableStore.read(spark, root, Tables.CHECKPOINTS).collectAsList().stream()
                .collect(Collectors.toMap(r -> r.getAs("stage") + "/" + r.getAs("role"), r -> r));
        Row main1 = rows.get("s1/main");
        assertEquals(List.of("jobs", "other"), main1.getList(main1.fieldIndex("datasets")));
        assertEquals(models.main().toString(), (String) main1.getAs("base_model"));
        assertNull(main1.getAs("parent_stage"));
        assertEquals(8, (int) main1.getAs("steps"));
        assertEquals(Checkpoint.open(Path.of((String) main1.getAs("path"))).fingerprint(), (String) main1.getAs("fingerprint"));
        assertTrue(((String) main1.getAs("hyperparameters")).contains("\"max_steps\":4"));
        Row assistant1 = rows.get("s1/assistant");
        assertEquals(List.of("other", "jobs"), assistant1.getList(assistant1.fieldIndex("datasets")));
        assertEquals(models.draft().toString(), (String) assistant1.getAs("base_model"));

        Row main2 = rows.get("s2/main");      // no datasets: the parent's checkpoint carried over
        assertEquals((String) main1.getAs("path"), (String) main2.getAs("path"));
        assertEquals(0, (int) main2.getAs("steps"));
        assertEquals("s1", (String) main2.getAs("parent_stage"));
        Row assistant2 = rows.get("s2/assistant");
        assertEquals(List.of("other", "jobs", "jobs"), assistant2.getList(assistant2.fieldIndex("datasets")));
        assertEquals(models.draft().toString(), (String) assistant2.getAs("base_model"));
        assertEquals(2, (int) assistant2.getAs("steps"));

        List<Row> ms = TableStore.read(spark, root, Tables.MILESTONES).collectAsList();
        // s1: per role and dataset steps 0, 2, 4 (4 is also the end); groups female, male and all.
        long s1main = ms.stream().filter(r -> r.getAs("stage").equals("s1") && r.getAs("role").equals("main")).count();
        assertEquals(2 * 3 * 3, s1main);
        Row kl = ms.stream().filter(r -> r.getAs("stage").equals("s1") && r.getAs("role").equals("main")
                && r.getAs("category").equals("female") && (int) r.getAs("step") == 4 && r.getAs("dataset").equals("other"))
                .findFirst().orElseThrow();
        assertTrue((double) kl.getAs("kl_model_partner") > 0 && (double) kl.getAs("kl_partner_model") > 0);
        assertTrue(ms.stream().noneMatch(r -> r.getAs("stage").equals("s2") && r.getAs("role").equals("main")));
        assertEquals(2L * 3, ms.stream().filter(r -> r.getAs("stage").equals("s2")).count()); // steps 0, 2 x 3 groups

        // Rerunning a role replaces its rows: no duplicates.
        StageRunner.run(spark, p, root, tmp.resolve("models"));
        assertEquals(4, TableStore.read(spark, root, Tables.CHECKPOINTS).count());
        assertEquals(ms.size(), TableStore.read(spark, root, Tables.MILESTONES).count());
    }

    @Test
    void anUnknownDatasetNameIsOneLineBeforeAnythingRuns(@TempDir Path tmp) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> plan(List.of(
                new StagePlan.Stage("s1", null, List.of("jobs"), List.of("imbd"), null))));
        assertEquals("stage 's1': assistant dataset 'imbd' is not defined (datasets: " + String.join(", ", datasets.keySet())
                + ")", e.getMessage());
        assertFalse(Files.exists(tmp.resolve("models")));
    }
}
