package org.specfair.lm;

import org.specfair.checkpoint.CheckpointException;
import org.specfair.checkpoint.ConfigPresets;
import org.specfair.checkpoint.ModelConfig;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** LM heads tied or not as transformers ties them; config flags the engine does not implement refused by key; dtype auto. */
class ConfigChecksTest {
    @TempDir
    Path tmp;

    static final int[][] IDS = {{1, 5, 9, 2, 7}};

    static ModelConfig gpt2(boolean tied) {
        ModelConfig c = ConfigPresets.withLayers(ConfigPresets.get("gpt2"), 1);
        return new ModelConfig("gpt2", 64, 16, 1, 2, 2, 32, 32, 1e-5, 0, 0, new boolean[1], "gelu_new", tied,
                c.eosTokenIds(), c.bosTokenId(), "float32");
    }

    static float[] logits(CausalLM m) {
        try (NDManager scope = m.manager().newSubManager()) {
            return m.logits(scope, IDS, null).toFloatArray();
        }
    }

    @Test
    void untiedGpt2HeadIsLoadedAndAStrayOneRefused() throws IOException {
        Path dir = tmp.resolve("untied");
        float[] want;
        try (CausalLM m = Models.random(gpt2(false), 4, 0.3, "cpu", "float32")) {
            assertTrue(m.parameters().stream().anyMatch(t -> t.name().equals("lm_head.weight")));
            SafetensorsWriter.save(m, dir, SafetensorsWriter.Dtype.F32);
            want = logits(m);
        }
        try (CausalLM loaded = Models.load(dir, "cpu", "float32")) {
            assertFalse(loaded.config().tieWordEmbeddings());
            assertArrayEquals(want, logits(loaded), 1e-5f);
        }
        // The same files with tie_word_embeddings back at its default (true): transformers would drop the stored head.
        String json = Files.readString(dir.resolve("config.json")).replaceAll("\"tie_word_embeddings\"\\s*:\\s*false\\s*,?", "");
        Files.writeString(dir.resolve("config.json"), json);
        CheckpointException e = assertThrows(CheckpointException.class, () -> Models.load(dir, "cpu", "float32"));
        assertTrue(e.getMessage().contains("'lm_head.weight' differs from 'transformer.wte.weight'"), e.getMessage());
        assertTrue(e.getMessage().contains("\"tie_word_embeddings\": false"), e.getMessage());
    }

    @Test
    void tiedHeadWithAStoredIdenticalCopyLoads() throws IOException {
        for (ModelConfig c : new ModelConfig[] {gpt2(true), ConfigPresets.withLayers(ConfigPresets.get("llama-tiny"), 1)}) {
            ModelConfig tied = new ModelConfig(c.modelType(), 64, c.hiddenSize(), 1, c.numHeads(), c.numKvHeads(),
                    c.intermediateSize(), 32, c.normEps(), c.ropeTheta(), 0, new boolean[1], c.activation(), true,
                    c.eosTokenIds(), c.bosTokenId(), "float32");
            Path dir = tmp.resolve(c.modelType());
            float[] want;
            try (CausalLM m = Models.random(tied, 5, 0.3, "cpu", "float32")) {
                List<SafetensorsWriter.Tensor> tensors = new ArrayList<>(SafetensorsWriter.tensorsOf(m));
                SafetensorsWriter.Tensor embedding = tensors.stream()
                        .filter(t -> t.name().endsWith("wte.weight") || t.name().endsWith("embed_tokens.weight")).findFirst().orElseThrow();
                tensors.add(new SafetensorsWriter.Tensor("lm_head.weight", embedding.shape(), embedding.values()));
                SafetensorsWriter.writeCheckpoint(dir, tied, tensors, SafetensorsWriter.Dtype.F32, List.of());
                want = logits(m);
            }
            try (CausalLM loaded = Models.load(dir, "cpu", "float32")) {
                assertArrayEquals(want, logits(loaded), 1e-5f, c.modelType());
            }
        }
    }

    private Path configWith(String family, String extra) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("cfg-" + Math.abs(extra.hashCode())));
        ModelConfig c = family.equals("llama") ? ConfigPresets.get("llama-tiny") : gpt2(true);
        String json = c.toJson().toString();
        Files.writeString(dir.resolve("config.json"), json.substring(0, json.length() - 1) + "," + extra + "}");
        return dir.resolve("config.json");
    }

    @Test
    void unsupportedFlagsAreRefusedByKey() throws IOException {
        String[][] cases = {
                {"gpt2", "\"scale_attn_by_inverse_layer_idx\": true", "scale_attn_by_inverse_layer_idx=true is not supported"},
                {"gpt2", "\"scale_attn_weights\": false", "scale_attn_weights=false is not supported"},
                {"llama", "\"attention_bias\": true", "attention_bias=true is not supported"},
                {"llama", "\"mlp_bias\": true", "mlp_bias=true is not supported"},
                {"llama", "\"rope_scaling\": {\"rope_type\": \"yarn\", \"factor\": 4.0}", "rope_scaling type 'yarn' is not supported"},
                {"llama", "\"rope_scaling\": {\"rope_type\": \"llama3\", \"factor\": 8.0}", "rope_scaling of type llama3 needs a numeric 'low_freq_factor'"},
        };
        for (String[] c : cases) {
            Path file = configWith(c[0], c[1]);
            CheckpointException e = assertThrows(CheckpointException.class, () -> ModelConfig.read(file), c[1]);
            assertEquals(file + ": " + c[2], e.getMessage().substring(0, Math.min(e.getMessage().length(), (file + ": " + c[2]).length())),
                    e.getMessage());
            assertFalse(e.getMessage().contains("\n"));
        }
        // Accepted: the upcast is what the engine does anyway; the old rope_scaling spelling "type"; neutral values.
        ModelConfig.read(configWith("gpt2", "\"reorder_and_upcast_attn\": true, \"scale_attn_by_inverse_layer_idx\": false"));
        ModelConfig llama = ModelConfig.read(configWith("llama", "\"rope_scaling\": {\"type\": \"linear\", \"factor\": 2.0}, \"attention_bias\": false"));
        assertEquals("linear", llama.ropeScaling().type());
        Path again = tmp.resolve("again.json");
        Files.writeString(again, llama.toJson().toString()); // written back as transformers reads it
        assertEquals(2.0, ModelConfig.read(again).ropeScaling().factor());
    }

    @Test
    void dtypeAutoFollowsTorchDtype() {
        assertEquals(DataType.FLOAT32, Models.parseDtype("auto", Device.cpu(), "bfloat16"));
        assertEquals(DataType.FLOAT32, Models.parseDtype("auto", Device.gpu(0), "float32"));
        assertEquals(DataType.FLOAT16, Models.parseDtype("auto", Device.gpu(0), "float16"));
        assertEquals(DataType.FLOAT16, Models.parseDtype("auto", Device.gpu(0), "bfloat16"), "DJL 0.36 has no bfloat16");
        assertEquals(DataType.FLOAT16, Models.parseDtype("float16", Device.gpu(0), "float32"), "the user's choice wins");
    }

    @Test
    void bfloat16IsRefusedInOneLineBeforeItCanEndTheJvm() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Models.parseDtype("bfloat16", Device.gpu(0), "bfloat16"));
        assertTrue(e.getMessage().contains("no bfloat16 type") && !e.getMessage().contains("\n"), e.getMessage());
    }
}
