package org.specfair.lm;

import org.specfair.checkpoint.CheckpointException;
import org.specfair.checkpoint.ModelConfig;
import org.specfair.checkpoint.SafetensorsFile;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Random tiny models written as Hugging Face checkpoints and loaded back give the same logits. */
class SafetensorsWriterTest {
    static final int[] IDS = {5, 17, 3, 60, 42, 8, 8, 1};

    @TempDir
    Path tmp;

    /** The golden fixtures' architectures (tiny, all three families) with fresh random weights. */
    static ModelConfig config(String golden) {
        return ModelConfig.read(Golden.dir(golden).resolve("config.json"));
    }

    static float[] logits(CausalLM model) {
        try (NDManager scope = model.manager().newSubManager()) {
            return model.logits(scope, new int[][] {IDS}, null).toFloatArray();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2-tiny", "neo-main-tiny", "llama-tiny"})
    void float32RoundTripGivesIdenticalLogits(String golden) {
        Path dir = tmp.resolve(golden);
        try (CausalLM model = Models.random(config(golden), 11, "cpu", "float32")) {
            float[] want = logits(model);
            SafetensorsWriter.save(model, dir, SafetensorsWriter.Dtype.F32);
            try (CausalLM back = Models.load(dir, "cpu", "float32")) {
                assertArrayEquals(want, logits(back));
                assertEquals(model.parameters().size(), back.parameters().size());
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"BF16", "F16"})
    void halfPrecisionCopiesLoadAndStayClose(String dtype) throws IOException {
        Path dir = tmp.resolve("llama-" + dtype);
        try (CausalLM model = Models.random(config("llama-tiny"), 3, "cpu", "float32")) {
            float[] want = logits(model);
            SafetensorsWriter.save(model, dir, SafetensorsWriter.Dtype.valueOf(dtype));
            assertEquals(SafetensorsWriter.Dtype.valueOf(dtype).torchName,
                    new ObjectMapper().readTree(dir.resolve("config.json").toFile()).get("torch_dtype").asText());
            try (CausalLM back = Models.load(dir, "cpu", "float32")) {
                float[] got = logits(back);
                double worst = 0;
                for (int i = 0; i < want.length; i++) {
                    worst = Math.max(worst, Math.abs(want[i] - got[i]));
                }
                assertTrue(worst < 0.02, dtype + ": max |diff| " + worst);
            }
        }
    }

    @Test
    void headerFollowsTheHuggingFaceLayout() throws IOException {
        Path dir = tmp.resolve("gpt2");
        try (CausalLM model = Models.random(config("gpt2-tiny"), 1, "cpu", "float32")) {
            SafetensorsWriter.save(model, dir, SafetensorsWriter.Dtype.F32);
        }
        byte[] file = Files.readAllBytes(dir.resolve("model.safetensors"));
        long headerLen = ByteBuffer.wrap(file, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, (8 + headerLen) % 8, "data starts 8-byte aligned");
        JsonNode header = new ObjectMapper().readTree(new String(file, 8, (int) headerLen, StandardCharsets.UTF_8));
        assertEquals("pt", header.at("/__metadata__/format").asText());
        List<String> names = new ArrayList<>();
        header.fieldNames().forEachRemaining(names::add);
        names.remove("__metadata__");
        assertEquals(names.stream().sorted().toList(), names, "tensors sorted by name");
        assertTrue(names.stream().allMatch(n -> n.startsWith("transformer.")), names.toString());
        // Conv1D weights go back to [in, out]: c_attn is [d, 3d], c_fc [d, 4d].
        assertEquals("[32,96]", header.at("/transformer.h.0.attn.c_attn.weight/shape").toString());
        assertEquals("[32,128]", header.at("/transformer.h.1.mlp.c_fc.weight/shape").toString());
        long expectedEnd = 0;
        for (Iterator<String> it = names.iterator(); it.hasNext(); ) {
            JsonNode offsets = header.get(it.next()).get("data_offsets");
            assertEquals(expectedEnd, offsets.get(0).asLong(), "tensors packed in name order");
            expectedEnd = offsets.get(1).asLong();
        }
        assertEquals(file.length, 8 + headerLen + expectedEnd);
    }

    @Test
    void llamaNamesUseModelPrefixAndBareLmHead() throws IOException {
        Path dir = tmp.resolve("llama");
        try (CausalLM model = Models.random(config("llama-tiny"), 1, "cpu", "float32")) {
            SafetensorsWriter.save(model, dir, SafetensorsWriter.Dtype.F32);
        }
        var names = SafetensorsFile.open(dir.resolve("model.safetensors")).tensors().keySet();
        assertTrue(names.contains("lm_head.weight"), names.toString());
        assertTrue(names.contains("model.embed_tokens.weight"), names.toString());
        assertTrue(names.stream().allMatch(n -> n.startsWith("model.") || n.equals("lm_head.weight")), names.toString());
    }

    @Test
    void sameModelGivesByteIdenticalFilesAndReplacesAnOldCheckpoint() throws IOException {
        Path a = tmp.resolve("a");
        Path b = tmp.resolve("b");
        try (CausalLM model = Models.random(config("neo-draft-tiny"), 5, "cpu", "float32")) {
            SafetensorsWriter.save(model, a, SafetensorsWriter.Dtype.BF16);
            SafetensorsWriter.save(model, b, SafetensorsWriter.Dtype.F32);
            SafetensorsWriter.save(model, b, SafetensorsWriter.Dtype.BF16); // replaces the F32 one
        }
        for (String f : List.of("config.json", "model.safetensors")) {
            assertArrayEquals(Files.readAllBytes(a.resolve(f)), Files.readAllBytes(b.resolve(f)), f);
        }
        try (Stream<Path> s = Files.list(tmp)) {
            assertEquals(List.of("a", "b"), s.map(p -> p.getFileName().toString()).sorted().toList(), "no temp folders left");
        }
    }

    @Test
    void refusesToReplaceAFolderThatIsNotACheckpoint() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("notes"));
        Files.writeString(dir.resolve("thesis.tex"), "precious");
        try (CausalLM model = Models.random(config("gpt2-tiny"), 1, "cpu", "float32")) {
            CheckpointException e = assertThrows(CheckpointException.class,
                    () -> SafetensorsWriter.save(model, dir, SafetensorsWriter.Dtype.F32));
            assertTrue(e.getMessage().contains("not a checkpoint"), e.getMessage());
        }
        assertEquals("precious", Files.readString(dir.resolve("thesis.tex")));
    }

    @Test
    void halfConversionsRoundToNearestEvenAndInvertTheReader() {
        for (int h = 0; h < 0x10000; h++) {
            float f = SafetensorsFile.halfToFloat((short) h);
            if (!Float.isNaN(f)) {
                assertEquals((short) h, SafetensorsWriter.toHalf(f), "half " + Integer.toHexString(h));
            }
            float g = Float.intBitsToFloat(h << 16);
            if (!Float.isNaN(g)) {
                assertEquals((short) h, SafetensorsWriter.toBf16(g), "bf16 " + Integer.toHexString(h));
            }
        }
        assertEquals((short) 0x3c00, SafetensorsWriter.toHalf(1f + 0x1p-11f), "tie to even (down)");
        assertEquals((short) 0x3c02, SafetensorsWriter.toHalf(1f + 3 * 0x1p-11f), "tie to even (up)");
        assertEquals((short) 0x7bff, SafetensorsWriter.toHalf(65519f));
        assertEquals((short) 0x7c00, SafetensorsWriter.toHalf(65520f));
        assertEquals((short) 0x0001, SafetensorsWriter.toHalf(0x1p-24f));
        assertEquals((short) 0x0000, SafetensorsWriter.toHalf(0x1p-25f), "tie to even at the bottom");
        assertEquals((short) 0x3f80, SafetensorsWriter.toBf16(1f + 0x1p-8f), "bf16 tie to even (down)");
        assertEquals((short) 0x3f82, SafetensorsWriter.toBf16(1f + 3 * 0x1p-8f), "bf16 tie to even (up)");
        assertTrue(Float.isNaN(SafetensorsFile.halfToFloat(SafetensorsWriter.toHalf(Float.NaN))));
        assertTrue(Float.isNaN(Float.intBitsToFloat(SafetensorsWriter.toBf16(Float.NaN) << 16)));
    }

    @Test
    void explicitTensorListIsWrittenVerbatim() throws IOException {
        Path file = tmp.resolve("t.safetensors");
        float[] v = {1.5f, -2f, 0.25f, 3f, 4f, 5f};
        SafetensorsWriter.writeFile(file, List.of(new SafetensorsWriter.Tensor("b", new long[] {2, 3}, () -> v),
                new SafetensorsWriter.Tensor("a", new long[] {1}, () -> new float[] {7f})), SafetensorsWriter.Dtype.F32);
        SafetensorsFile f = SafetensorsFile.open(file);
        assertEquals(List.of("a", "b"), List.copyOf(f.tensors().keySet()));
        float[] back = new float[6];
        f.readFloat32("b").asFloatBuffer().get(back);
        assertArrayEquals(v, back);
        assertArrayEquals(new long[] {2, 3}, f.tensors().get("b").shape());
        assertTrue(Arrays.equals(new long[] {1}, f.tensors().get("a").shape()));
    }
}
