package org.specfair.finetune;

import org.specfair.lm.CausalLM;
import org.specfair.lm.Models;
import org.specfair.lm.SafetensorsWriter;

import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** --out as a Hadoop URI (file:// through Hadoop's FileSystem API): published whole, resumed from the published state. */
class FinetuneHadoopOutTest {
    static final Configuration HADOOP = new Configuration();

    @Test
    void aUriOutputIsPublishedWholeAndAKilledRunResumesFromTheStateBesideIt(@TempDir Path tmp) throws Exception {
        Path base = tmp.resolve("base");
        try (CausalLM m = Models.random(MixedPrecisionTest.GPT2, 3, 0.2, "cpu", "float32")) {
            SafetensorsWriter.writeCheckpoint(base, MixedPrecisionTest.GPT2, SafetensorsWriter.tensorsOf(m), SafetensorsWriter.Dtype.F32, List.of());
        }
        TrainConfig c = MixedPrecisionTest.config("fp32", 10).with("save_every", "3");
        List<FinetuneJob.Packed> data = List.of(new FinetuneJob.Packed("count", MixedPrecisionTest.counting(40), List.of()));
        FinetuneJob.train(MixedPrecisionTest.options(base, tmp.resolve("local"), c), base, null, data, "key", HADOOP, null);

        Path remote = tmp.resolve("remote");
        String uri = remote.resolve("tuned").toUri().toString();
        FinetuneOptions o = MixedPrecisionTest.options(base, tmp, c).with(base.toString(), MixedPrecisionTest.options(base, tmp, c).datasets(), uri, null);
        assertThrows(IllegalStateException.class, () -> FinetuneJob.train(o, base, null, data, "key", HADOOP, (step, t) -> {
            if (step == 8) {
                throw new IllegalStateException("simulated crash at step 8");
            }
        }));
        assertFalse(Files.exists(remote.resolve("tuned")), "no checkpoint after a crash");
        assertTrue(Files.isRegularFile(remote.resolve("tuned.resume/optimizer.safetensors")), "the state is published beside it");
        assertEquals(6, TrainState.read(remote.resolve("tuned.resume")).step());

        FinetuneJob.Summary s = FinetuneJob.train(o, base, null, data, "key", HADOOP, null);
        assertEquals(uri, s.out());
        assertEquals(10, s.steps());
        assertArrayEquals(FinetuneJobTest.weights(tmp.resolve("local")), FinetuneJobTest.weights(remote.resolve("tuned")),
                "resumed through the URI: the uninterrupted run's weights");
        try (var left = Files.list(remote)) {
            assertEquals(List.of("tuned"), left.map(p -> p.getFileName().toString()).filter(n -> !n.endsWith(".crc")).toList(),
                    "state deleted, no temporary copies");
        }
        try (CausalLM reloaded = Models.load(remote.resolve("tuned"), "cpu", "float32")) {
            assertEquals(MixedPrecisionTest.GPT2.vocabSize(), reloaded.config().vocabSize());
        }
    }

    @Test
    void aUriThatIsAFileOrAnotherFolderIsRefusedBeforeTraining(@TempDir Path tmp) throws Exception {
        Files.writeString(tmp.resolve("a-file"), "x");
        Files.createDirectories(tmp.resolve("data"));
        Files.writeString(tmp.resolve("data/part-0.parquet"), "x");
        IllegalArgumentException file = assertThrows(IllegalArgumentException.class,
                () -> FinetuneJob.refuseToClobber(tmp.resolve("a-file").toUri().toString(), HADOOP));
        assertTrue(file.getMessage().endsWith("is a file; give a folder for the checkpoint"), file.getMessage());
        IllegalArgumentException folder = assertThrows(IllegalArgumentException.class,
                () -> FinetuneJob.refuseToClobber(tmp.resolve("data").toUri().toString(), HADOOP));
        assertTrue(folder.getMessage().contains("not a checkpoint"), folder.getMessage());
        FinetuneJob.refuseToClobber(tmp.resolve("new").toUri().toString(), HADOOP);
    }
}
