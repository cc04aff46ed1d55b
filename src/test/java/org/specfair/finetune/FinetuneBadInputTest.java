package org.specfair.finetune;

import org.specfair.checkpoint.CheckpointException;
import org.specfair.demo.DemoModels;

import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.function.Executable;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad input fails before the first step with one line naming the file and field, and leaves nothing behind. */
class FinetuneBadInputTest {
    static SparkSession spark;
    @TempDir
    static Path shared;
    static DemoModels.Written models;
    static Path corpus;

    @BeforeAll
    static void start() {
        spark = SparkSession.builder().master("local[1]").appName("FinetuneBadInputTest")
                .config("spark.ui.enabled", "false").getOrCreate();
        models = TinyCorpus.models(shared.resolve("models"));
        corpus = TinyCorpus.jsonl(shared.resolve("data"), "jobs", TinyCorpus.sentences(100, 1));
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    static TrainConfig config = TrainConfig.DEFAULTS.withAll(Map.of("context_length", "32", "batch_size", "2", "max_steps", "2"));

    /** Runs the job expecting a one-line error containing {@code expected}; the output folder's parent stays empty. */
    static String fails(Path tmp, String model, DatasetSpec data, TrainConfig c, String expected) throws IOException {
        Path out = tmp.resolve("run").resolve("out");
        Executable run = () -> FinetuneJob.run(spark, new FinetuneOptions(model, List.of(data), out.toString(), c, "cpu",
                "float32", null, null));
        RuntimeException e = assertThrows(RuntimeException.class, run);
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        Path parent = out.getParent();
        try (Stream<Path> left = Files.exists(parent) ? Files.list(parent) : Stream.empty()) {
            assertEquals(List.of(), left.toList(), "nothing half-written");
        }
        return e.getMessage();
    }

    @Test
    void datasetWithoutTheNamedColumn(@TempDir Path tmp) throws IOException {
        String m = fails(tmp, models.main().toString(), new DatasetSpec("sst2", corpus.toString(), null, "sentence"), config,
                "no column 'sentence'");
        assertEquals("dataset 'sst2' (" + corpus + "): no column 'sentence' (columns: label, text)", m);
    }

    @Test
    void emptyDatasetsAndMissingPaths(@TempDir Path tmp) throws IOException {
        Path empty = TinyCorpus.jsonl(tmp.resolve("data"), "empty", List.of("", "  "));
        fails(tmp, models.main().toString(), new DatasetSpec("e", empty.toString(), null, null), config,
                "dataset 'e' (" + empty + "): no text in column 'text' (2 empty rows)");
        Path tiny = TinyCorpus.jsonl(tmp.resolve("data"), "tiny", List.of("The woman worked."));
        fails(tmp, models.main().toString(), new DatasetSpec("t", tiny.toString(), null, null), config,
                "block(s) of context_length 32; need 2 (training + validation): more text or a shorter context_length");
        fails(tmp, models.main().toString(), new DatasetSpec("m", tmp.resolve("nope.jsonl").toString(), null, null), config,
                "nope.jsonl): does not exist");
    }

    @Test
    void contextLengthBeyondTheModelsPositions(@TempDir Path tmp) throws IOException {
        fails(tmp, models.main().toString(), new DatasetSpec("jobs", corpus.toString(), null, null),
                config.with("context_length", "512"), "context_length 512 exceeds the 256 positions of " + models.main());
    }

    @Test
    void pickleOnlyCheckpointIsRefusedUnread(@TempDir Path tmp) throws IOException {
        Path pickled = tmp.resolve("pickled");
        Files.createDirectories(pickled);
        Files.copy(models.main().resolve("config.json"), pickled.resolve("config.json"));
        Files.write(pickled.resolve("pytorch_model.bin"), new byte[] {(byte) 0x80, 2, 'c', 'o', 's', '\n'});
        String m = fails(tmp, pickled.toString(), new DatasetSpec("jobs", corpus.toString(), null, null), config,
                "only pickle weights (pytorch_model.bin); SpecFair never unpickles");
        assertTrue(m.startsWith(pickled.toString()), m);
        assertThrows(CheckpointException.class, () -> FinetuneJob.run(spark, new FinetuneOptions(pickled.toString(),
                List.of(new DatasetSpec("jobs", corpus.toString(), null, null)), tmp.resolve("x").toString(), config, "cpu",
                "float32", null, null)));
    }

    @Test
    void unknownHyperParametersAndBadNumbers() {
        assertEquals("unknown hyper-parameter 'lr' (" + String.join(", ", TrainConfig.KEYS) + ")",
                assertThrows(IllegalArgumentException.class, () -> config.with("lr", "1")).getMessage());
        assertEquals("hyper-parameter max_steps: not a number: 'ten'",
                assertThrows(IllegalArgumentException.class, () -> config.with("max_steps", "ten")).getMessage());
    }
}
