package org.specfair.cli;

import org.specfair.checkpoint.SafetensorsFile;
import org.specfair.lm.CausalLM;
import org.specfair.lm.Golden;
import org.specfair.lm.Models;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** specfair make-checkpoint: presets, overrides, noisy truncated copies; seeded and byte-reproducible. */
class MakeCheckpointCommandTest {
    @TempDir
    Path tmp;

    /** Runs the CLI; returns stderr, asserting the exit code. */
    static String run(int expectedExit, String... args) {
        PrintStream err = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            assertEquals(expectedExit, SpecFair.run(args), () -> buf.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(err);
        }
        return buf.toString(StandardCharsets.UTF_8).strip();
    }

    static void assertSameFiles(Path a, Path b) throws IOException {
        for (String f : List.of("config.json", "model.safetensors")) {
            assertArrayEquals(Files.readAllBytes(a.resolve(f)), Files.readAllBytes(b.resolve(f)), f);
        }
    }

    static JsonNode configJson(Path dir) throws IOException {
        return new ObjectMapper().readTree(dir.resolve("config.json").toFile());
    }

    static float[] tensor(Path dir, String name) {
        SafetensorsFile f = SafetensorsFile.open(dir.resolve("model.safetensors"));
        float[] v = new float[(int) f.tensors().get(name).numel()];
        f.readFloat32(name).asFloatBuffer().get(v);
        return v;
    }

    @Test
    void sameArgumentsGiveByteIdenticalFiles() throws IOException {
        Path a = tmp.resolve("a");
        Path b = tmp.resolve("b");
        Path c = tmp.resolve("c");
        run(0, "make-checkpoint", "--preset", "tiny-neo-draft", "--out", a.toString(), "--seed", "7");
        run(0, "make-checkpoint", "--preset", "tiny-neo-draft", "--out", b.toString(), "--seed", "7");
        run(0, "make-checkpoint", "--preset", "tiny-neo-draft", "--out", c.toString(), "--seed", "8");
        assertSameFiles(a, b);
        assertFalse(Arrays.equals(Files.readAllBytes(a.resolve("model.safetensors")),
                Files.readAllBytes(c.resolve("model.safetensors"))), "the seed matters");
        try (CausalLM m = Models.load(a, "cpu", "float32")) {
            assertEquals("gpt_neo", m.config().modelType());
            assertEquals(2, m.config().numLayers());
            assertEquals(2048, m.config().vocabSize());
            assertEquals(256, m.config().windowSize());
            assertEquals(512, m.config().maxPositions());
        }
    }

    @Test
    void layersOverrideAndBfloat16() throws IOException {
        Path out = tmp.resolve("main3");
        run(0, "make-checkpoint", "--preset", "tiny-neo-main", "--layers", "3", "--dtype", "bfloat16", "--out", out.toString());
        JsonNode c = configJson(out);
        assertEquals(3, c.get("num_layers").asInt());
        assertEquals("bfloat16", c.get("torch_dtype").asText());
        assertEquals("[[[\"global\"],1],[[\"local\"],1],[[\"global\"],1]]", c.get("attention_types").toString());
        assertEquals("BF16", SafetensorsFile.open(out.resolve("model.safetensors")).tensors()
                .get("transformer.wte.weight").dtype());
        try (CausalLM m = Models.load(out, "cpu", "float32")) {
            assertEquals(3, m.config().numLayers());
        }
    }

    @Test
    void configFileGivesThatArchitecture() {
        Path out = tmp.resolve("llama");
        run(0, "make-checkpoint", "--config", Golden.dir("llama-tiny").resolve("config.json").toString(),
                "--out", out.toString(), "--seed", "1");
        try (CausalLM m = Models.load(out, "cpu", "float32")) {
            assertEquals("llama", m.config().modelType());
            assertEquals(64, m.config().vocabSize());
            assertEquals(2, m.config().numKvHeads());
        }
    }

    @Test
    void noisyCopyKeepsFirstLayersAddsSeededNoiseAndTheTokenizer() throws IOException {
        Path main = tmp.resolve("main");
        run(0, "make-checkpoint", "--preset", "tiny-neo-main", "--out", main.toString(), "--seed", "1");
        Files.writeString(main.resolve("tokenizer.json"), "{\"stand-in\": true}");
        Path x = tmp.resolve("x");
        Path y = tmp.resolve("y");
        Path exact = tmp.resolve("exact");
        for (Path out : List.of(x, y)) {
            run(0, "make-checkpoint", "--noisy-copy-of", main.toString(), "--keep-layers", "2", "--noise", "0.01",
                    "--seed", "3", "--out", out.toString());
        }
        run(0, "make-checkpoint", "--noisy-copy-of", main.toString(), "--keep-layers", "2", "--out", exact.toString());
        assertSameFiles(x, y);
        assertEquals("{\"stand-in\": true}", Files.readString(x.resolve("tokenizer.json")));
        assertEquals(2, configJson(x).get("num_layers").asInt());
        var names = SafetensorsFile.open(x.resolve("model.safetensors")).tensors().keySet();
        assertTrue(names.contains("transformer.h.1.ln_2.bias") && !names.contains("transformer.h.2.ln_2.bias"), names.toString());
        assertTrue(names.contains("transformer.wte.weight") && names.contains("transformer.ln_f.weight"), names.toString());

        String q = "transformer.h.1.attn.attention.q_proj.weight";
        float[] original = tensor(main, q);
        assertArrayEquals(original, tensor(exact, q), "noise 0: an exact truncation");
        float[] noisy = tensor(x, q);
        double sum = 0;
        for (int i = 0; i < original.length; i++) {
            double d = noisy[i] - original[i];
            sum += d * d;
        }
        double std = Math.sqrt(sum / original.length);
        assertTrue(std > 0.008 && std < 0.012, "noise std " + std);
        try (CausalLM m = Models.load(x, "cpu", "float32")) {
            assertEquals(2, m.config().numLayers());
        }
    }

    @Test
    void conflictingOrBadArgumentsAreOneLineErrors() {
        Path out = tmp.resolve("o");
        String both = run(2, "make-checkpoint", "--preset", "gpt2", "--config", "x.json", "--out", out.toString());
        assertTrue(both.contains("exactly one of --preset"), both);
        String unknown = run(2, "make-checkpoint", "--preset", "gpt5", "--out", out.toString());
        assertTrue(unknown.contains("unknown preset 'gpt5'") && unknown.contains("tiny-neo-main"), unknown);
        String deep = run(2, "make-checkpoint", "--noisy-copy-of", Golden.dir("neo-draft-tiny").toString(),
                "--keep-layers", "5", "--out", out.toString());
        assertTrue(deep.contains("cannot keep 5 layers") && deep.contains("has 2"), deep);
        String dtype = run(2, "make-checkpoint", "--preset", "llama-tiny", "--dtype", "int8", "--out", out.toString());
        assertTrue(dtype.contains("unknown dtype 'int8'"), dtype);
        for (String e : List.of(both, unknown, deep, dtype)) {
            assertEquals(1, e.lines().count(), e);
        }
        assertFalse(Files.exists(out));
    }
}
