package org.specfair.finetune;

import org.specfair.checkpoint.SafetensorsFile;
import org.specfair.demo.DemoModels;
import org.specfair.lm.CausalLM;
import org.specfair.lm.Models;
import org.specfair.lm.Weights;

import ai.djl.ndarray.NDManager;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Finetuning the demo's tiny GPT-Neo on a small written corpus: it learns, saves, reloads, reproduces and resumes. */
@Tag("slow")
class FinetuneJobTest {
    static SparkSession spark;
    @TempDir
    static Path shared;
    static DemoModels.Written models;
    static Path corpus;

    @BeforeAll
    static void start() {
        spark = TinyCorpus.spark("FinetuneJobTest");
        models = TinyCorpus.models(shared.resolve("models"));
        corpus = TinyCorpus.jsonl(shared.resolve("data"), "jobs", TinyCorpus.sentences(300, 1));
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    static TrainConfig config(int steps) {
        return TrainConfig.DEFAULTS.withAll(java.util.Map.of("context_length", "32", "batch_size", "4",
                "learning_rate", "3e-3", "max_steps", String.valueOf(steps), "warmup_steps", "2", "weight_decay", "0.01",
                "milestone_every", "10", "val_fraction", "0.1"));
    }

    static FinetuneOptions options(Path out, TrainConfig c) {
        return new FinetuneOptions(models.main().toString(), List.of(new DatasetSpec("jobs", corpus.toString(), null, "text")),
                out.toString(), c, "cpu", "float32", null, null);
    }

    static float[] weights(Path checkpoint) {
        SafetensorsFile f = SafetensorsFile.open(checkpoint.resolve("model.safetensors"));
        int n = 0;
        List<String> names = f.tensors().keySet().stream().sorted().toList();
        float[][] parts = new float[names.size()][];
        for (int i = 0; i < names.size(); i++) {
            ByteBuffer b = f.readFloat32(names.get(i));
            parts[i] = new float[b.remaining() / 4];
            b.asFloatBuffer().get(parts[i]);
            n += parts[i].length;
        }
        float[] all = new float[n];
        int at = 0;
        for (float[] p : parts) {
            System.arraycopy(p, 0, all, at, p.length);
            at += p.length;
        }
        return all;
    }

    @Test
    void trainingAndValidationLossFallAndACompleteCheckpointIsWritten(@TempDir Path tmp) {
        Path out = tmp.resolve("tuned");
        FinetuneJob.Summary s = FinetuneJob.run(spark, options(out, config(40)));
        assertEquals(40, s.steps());
        Milestone first = s.milestones().get(0);
        Milestone last = s.milestones().get(s.milestones().size() - 1);
        assertEquals(0, first.step());
        assertEquals(40, last.step());
        assertNotNull(first.valLoss());
        assertTrue(last.valLoss() < first.valLoss() * 0.6, "validation loss " + first.valLoss() + " -> " + last.valLoss());
        Milestone second = s.milestones().get(1);
        assertTrue(last.trainLoss() < second.trainLoss() * 0.7, "training loss " + second.trainLoss() + " -> " + last.trainLoss());
        for (String f : List.of("config.json", "model.safetensors", "generation_config.json")) {
            assertTrue(Files.isRegularFile(out.resolve(f)), f);
        }
        assertTrue(org.specfair.tokenizer.TextTokenizer.exists(out), "the base's tokenizer files are copied");
        assertFalse(Files.exists(FinetuneJob.resumeDir(out)), "the resumable state is removed once the checkpoint is in place");
    }

    @Test
    void inMemoryModelAndSavedCheckpointGiveIdenticalLogits(@TempDir Path tmp) {
        Path out = tmp.resolve("saved");
        List<int[]> blocks = Packing.blocks(List.of(new int[] {3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14}), 1, 6);
        try (CausalLM m = Models.load(models.main(), "cpu", "float32")) {
            Trainer t = new Trainer(m, "toy", blocks, List.of(), config(3).with("batch_size", "2"), null);
            t.run(null);
            t.close();
            FinetuneJob.writeCheckpoint(m, models.main(), out);
            int[][] ids = {{5, 9, 30, 2, 77}, {8, 1}};
            try (CausalLM saved = Models.load(out, "cpu", "float32");
                 NDManager a = m.manager().newSubManager();
                 NDManager b = saved.manager().newSubManager()) {
                // The trained model was unfrozen for training and runs torch's products; a freshly loaded one would
                // take the packed CPU kernel, which rounds differently: compare the weights through the same products.
                saved.unfreeze();
                assertArrayEquals(m.logits(a, ids, null).toFloatArray(), saved.logits(b, ids, null).toFloatArray());
            }
        }
    }

    @Test
    void sameSeedSameWeightsAndAKilledRunResumesToTheSameWeights(@TempDir Path tmp) {
        TrainConfig c = config(12).with("save_every", "4").with("grad_accumulation", "2");
        FinetuneJob.run(spark, options(tmp.resolve("a"), c));
        FinetuneJob.run(spark, options(tmp.resolve("b"), c));
        assertArrayEquals(weights(tmp.resolve("a")), weights(tmp.resolve("b")), "same seed, same weights");

        Path killed = tmp.resolve("killed");
        RuntimeException crash = assertThrows(RuntimeException.class, () -> FinetuneJob.run(spark, options(killed, c),
                (step, t) -> {
                    if (step == 10) {
                        throw new IllegalStateException("simulated crash at step 10");
                    }
                }));
        assertEquals("simulated crash at step 10", crash.getMessage());
        assertFalse(Files.exists(killed), "nothing half-written");
        assertTrue(Files.isRegularFile(FinetuneJob.resumeDir(killed).resolve("optimizer.safetensors")));
        FinetuneJob.Summary resumed = FinetuneJob.run(spark, options(killed, c));
        assertArrayEquals(weights(tmp.resolve("a")), weights(killed), "resumed run ends with the same weights");
        assertEquals(12, resumed.steps());
        assertEquals(0, resumed.milestones().get(0).step(), "milestones from before the crash are kept");

        FinetuneJob.Summary other = FinetuneJob.run(spark, options(tmp.resolve("c"), c.with("seed", "7")));
        assertFalse(java.util.Arrays.equals(weights(tmp.resolve("a")), weights(tmp.resolve("c"))), "another seed, another order");
        assertNotNull(other);
    }
}
