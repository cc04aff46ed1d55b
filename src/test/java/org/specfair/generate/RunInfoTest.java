package org.specfair.generate;

import org.specfair.checkpoint.RemoteFs;
import org.specfair.checkpoint.ResolvedCheckpoint;
import org.specfair.decode.DecodeConfig;
import org.specfair.lm.Golden;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/** run_id changes with everything that changes the rows: dtype and the tokenizer included. */
class RunInfoTest {
    static GenerateOptions options(String main, String dtype) {
        return new GenerateOptions(main, Golden.dir("neo-draft-tiny").toString(), "cpu", dtype, DecodeConfig.greedy(8), 1,
                "e", "base", "/tmp/unused", 0, 4, true, true, Set.of());
    }

    @Test
    void dtypeAndTokenizerAreInTheRunId(@TempDir Path tmp) throws Exception {
        Path main = tmp.resolve("main");
        Files.createDirectories(main);
        for (String f : new String[] {"config.json", "model.safetensors"}) {
            Files.copy(Golden.dir("neo-main-tiny").resolve(f), main.resolve(f));
        }
        ResolvedCheckpoint assistant = ResolvedCheckpoint.resolve(Golden.dir("neo-draft-tiny").toString(), RemoteFs.conf());
        ResolvedCheckpoint plain = ResolvedCheckpoint.resolve(main.toString(), RemoteFs.conf());
        String f32 = RunInfo.of(options(main.toString(), "float32"), plain, assistant).runId();
        assertEquals(f32, RunInfo.of(options(main.toString(), "float32"), plain, assistant).runId());
        assertNotEquals(f32, RunInfo.of(options(main.toString(), "float16"), plain, assistant).runId());

        Files.writeString(main.resolve("tokenizer_config.json"), "{\"add_bos_token\": true}");
        ResolvedCheckpoint withTokenizer = ResolvedCheckpoint.resolve(main.toString(), RemoteFs.conf());
        assertEquals(plain.fingerprint(), withTokenizer.fingerprint(), "same weights");
        assertNotEquals(f32, RunInfo.of(options(main.toString(), "float32"), withTokenizer, assistant).runId());
    }
}
