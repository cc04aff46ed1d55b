package org.specfair.checkpoint;

import org.specfair.lm.CausalLM;
import org.specfair.lm.Golden;
import org.specfair.lm.Models;
import org.specfair.tokenizer.TextTokenizer;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.function.Executable;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Broken checkpoint folders, each made from a copy of a golden fixture: loading fails with one line that
 * names the file and says what is wrong (and the positive case of a sharded checkpoint).
 */
class BadCheckpointTest {
    static final int[] IDS = {1, 2, 3, 4, 5, 6, 7, 8};

    @TempDir
    Path tmp;

    /** A writable copy of a golden checkpoint folder (the originals stay byte-identical). */
    Path copy(String golden) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve(golden));
        try (Stream<Path> files = Files.list(Golden.dir(golden))) {
            for (Path f : files.toList()) {
                Files.copy(f, dir.resolve(f.getFileName()));
            }
        }
        return dir;
    }

    /** Runs {@code load}, expects a CheckpointException of one line containing every fragment; returns it. */
    static String fails(Executable load, String... fragments) {
        CheckpointException e = assertThrows(CheckpointException.class, load);
        String msg = e.getMessage();
        assertFalse(msg.contains("\n"), "one line: " + msg);
        for (String f : fragments) {
            assertTrue(msg.contains(f), "expected '" + f + "' in: " + msg);
        }
        return msg;
    }

    static Executable load(Path dir) {
        return () -> Models.load(dir, "cpu", "float32").close();
    }

    static float[] logits(Path dir) {
        try (CausalLM m = Models.load(dir, "cpu", "float32"); NDManager scope = m.manager().newSubManager()) {
            return m.logits(scope, new int[][] {IDS}, null).toFloatArray();
        }
    }

    static void truncate(Path file, long size) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(size);
        }
    }

    static void editConfig(Path dir, String field, Object value) throws IOException {
        ObjectMapper m = new ObjectMapper();
        ObjectNode c = (ObjectNode) m.readTree(dir.resolve("config.json").toFile());
        c.set(field, m.valueToTree(value));
        m.writeValue(dir.resolve("config.json").toFile(), c);
    }

    @Test
    void truncatedData() throws IOException {
        Path dir = copy("gpt2-tiny");
        Path st = dir.resolve("model.safetensors");
        truncate(st, Files.size(st) - 1000);
        fails(load(dir), st.toString(), "tensor 'wte.weight'", "truncated file");
    }

    @Test
    void truncatedInsideTheHeader() throws IOException {
        Path dir = copy("llama-tiny");
        Path st = dir.resolve("model.safetensors");
        truncate(st, 100);
        fails(load(dir), st + ": truncated or corrupt safetensors file", "file has 100");
        truncate(st, 5);
        fails(load(dir), st + ": truncated safetensors file (5 bytes, no header)");
    }

    @Test
    void headerShapeDisagreesWithItsDataOffsets() throws IOException {
        Path dir = copy("gpt2-tiny");
        Path st = dir.resolve("model.safetensors");
        SafetensorsEdit e = SafetensorsEdit.read(st);
        e.entry("wpe.weight").putArray("shape").add(64).add(33);
        e.write(st);
        fails(load(dir), st.toString(), "tensor 'wpe.weight'", "F32 [64, 33] (8448 bytes)", "data_offsets span 8192 bytes");
    }

    @Test
    void headerDataOffsetsPointPastTheEnd() throws IOException {
        Path dir = copy("neo-draft-tiny");
        Path st = dir.resolve("model.safetensors");
        SafetensorsEdit e = SafetensorsEdit.read(st);
        String name = "transformer.ln_f.bias";
        long begin = e.entry(name).get("data_offsets").get(0).asLong() + e.data.length;
        long end = e.entry(name).get("data_offsets").get(1).asLong() + e.data.length;
        e.entry(name).putArray("data_offsets").add(begin).add(end);
        e.write(st);
        fails(load(dir), st.toString(), "tensor '" + name + "'", "data ends at byte " + end);
    }

    @Test
    void headerIsNotJson() throws IOException {
        Path dir = copy("gpt2-tiny");
        Path st = dir.resolve("model.safetensors");
        byte[] b = Files.readAllBytes(st);
        b[8] = '#'; // the header's opening brace
        Files.write(st, b);
        fails(load(dir), st + ": safetensors header is not valid JSON");
    }

    @Test
    void missingTensor() throws IOException {
        Path dir = copy("gpt2-tiny");
        Path st = dir.resolve("model.safetensors");
        SafetensorsEdit e = SafetensorsEdit.read(st);
        e.header.remove("h.1.mlp.c_proj.bias");
        e.write(st);
        fails(load(dir), st + ": missing tensor 'h.1.mlp.c_proj.bias' (shape [32])");
    }

    @Test
    void tensorWithTheWrongShape() throws IOException {
        Path dir = copy("gpt2-tiny");
        Path st = dir.resolve("model.safetensors");
        SafetensorsEdit e = SafetensorsEdit.read(st);
        e.entry("wte.weight").putArray("shape").add(32).add(64); // same bytes, transposed shape
        e.write(st);
        fails(load(dir), st + ": tensor 'wte.weight' has shape [32, 64], expected [64, 32]");
    }

    @Test
    void tensorTheArchitectureDoesNotUse() throws IOException {
        Path dir = copy("gpt2-tiny");
        Path st = dir.resolve("model.safetensors");
        SafetensorsEdit e = SafetensorsEdit.read(st);
        ObjectNode extra = e.entry("ln_f.bias").deepCopy();
        e.header.set("h.0.mlp.c_gate.bias", extra); // shares ln_f.bias's bytes: valid header, unknown name
        e.write(st);
        fails(load(dir), st + ": unexpected tensor(s) [h.0.mlp.c_gate.bias]", "does config.json match the weights?");
    }

    @Test
    void configWithFewerLayersThanTheWeights() throws IOException {
        Path dir = copy("neo-main-tiny");
        editConfig(dir, "num_layers", 2);
        editConfig(dir, "attention_types", List.of(List.of(List.of("global", "local"), 1)));
        fails(load(dir), dir.resolve("model.safetensors") + ": unexpected tensor(s) [transformer.h.2.", "and ");
    }

    @Test
    void unknownModelType() throws IOException {
        Path dir = copy("llama-tiny");
        editConfig(dir, "model_type", "mistral");
        fails(load(dir), dir.resolve("config.json") + ": unknown model_type 'mistral' (supported: gpt2, gpt_neo, llama)");
    }

    @Test
    void configMissingARequiredField() throws IOException {
        Path dir = copy("gpt2-tiny");
        ObjectMapper m = new ObjectMapper();
        ObjectNode c = (ObjectNode) m.readTree(dir.resolve("config.json").toFile());
        c.remove("n_embd");
        m.writeValue(dir.resolve("config.json").toFile(), c);
        fails(load(dir), dir.resolve("config.json") + ": missing or non-integer field 'n_embd'");
    }

    @Test
    void configIsNotJson() throws IOException {
        Path dir = copy("gpt2-tiny");
        Files.writeString(dir.resolve("config.json"), "{\"model_type\": \"gpt2\",,}");
        fails(load(dir), dir.resolve("config.json") + ": not valid JSON");
    }

    @Test
    void missingConfigJson() throws IOException {
        Path dir = copy("gpt2-tiny");
        Files.delete(dir.resolve("config.json"));
        fails(load(dir), dir.resolve("config.json") + ": not found");
    }

    @Test
    void fileGivenInsteadOfFolder() throws IOException {
        Path st = copy("gpt2-tiny").resolve("model.safetensors");
        fails(load(st), st + ": is a file");
    }

    @Test
    void pickleOnlyFolderIsRefusedWithoutReadingIt() throws IOException, InterruptedException {
        Path dir = copy("gpt2-tiny");
        Files.delete(dir.resolve("model.safetensors"));
        Path bin = dir.resolve("pytorch_model.bin");
        // A FIFO blocks whoever opens it for reading: finishing in time proves the file was never opened.
        boolean fifo = new ProcessBuilder("mkfifo", bin.toString()).start().waitFor() == 0;
        if (!fifo) {
            Files.write(bin, new byte[] {(byte) 0x80, 2, 'c', 'o', 's', '\n'}); // a pickle's opening bytes
        }
        assertTimeoutPreemptively(Duration.ofSeconds(20),
                () -> fails(load(dir), dir + ": only pickle weights (pytorch_model.bin)", "never unpickles", "safe_serialization=True"));
    }

    @Test
    void noWeightsAtAll() throws IOException {
        Path dir = copy("gpt2-tiny");
        Files.delete(dir.resolve("model.safetensors"));
        fails(load(dir), dir + ": no model.safetensors or model.safetensors.index.json");
    }

    @Test
    void missingTokenizer() throws IOException {
        Path dir = copy("gpt2-tiny");
        CheckpointException e = assertThrows(CheckpointException.class, () -> TextTokenizer.load(dir));
        assertEquals(dir + ": no tokenizer (tokenizer.json, or vocab.json + merges.txt)", e.getMessage());
    }

    /** Splits a golden model into two shards + index, the layout transformers writes for large models. */
    Path shard(String golden) throws IOException {
        Path dir = copy(golden);
        Path st = dir.resolve("model.safetensors");
        SafetensorsEdit e = SafetensorsEdit.read(st);
        List<String> names = e.tensorNames();
        List<List<String>> halves = List.of(names.subList(0, names.size() / 2), names.subList(names.size() / 2, names.size()));
        Map<String, String> weightMap = new TreeMap<>();
        for (int i = 0; i < 2; i++) {
            String file = String.format("model-%05d-of-00002.safetensors", i + 1);
            e.writeSubset(dir.resolve(file), halves.get(i));
            halves.get(i).forEach(n -> weightMap.put(n, file));
        }
        Files.delete(st);
        new ObjectMapper().writeValue(dir.resolve("model.safetensors.index.json").toFile(),
                Map.of("metadata", Map.of("total_size", e.data.length), "weight_map", weightMap));
        return dir;
    }

    @Test
    void shardedCheckpointGivesIdenticalLogits() throws IOException {
        for (String golden : List.of("gpt2-tiny", "llama-tiny")) {
            assertArrayEquals(logits(Golden.dir(golden)), logits(shard(golden)), golden);
        }
    }

    @Test
    void shardListedInTheIndexIsMissing() throws IOException {
        Path dir = shard("neo-draft-tiny");
        Files.delete(dir.resolve("model-00002-of-00002.safetensors"));
        fails(load(dir), dir.resolve("model.safetensors.index.json") + ": shard 'model-00002-of-00002.safetensors' is missing");
    }

    @Test
    void shardedCheckpointErrorsNameTheIndex() throws IOException {
        Path dir = shard("gpt2-tiny");
        Path first = dir.resolve("model-00001-of-00002.safetensors");
        SafetensorsEdit e = SafetensorsEdit.read(first);
        e.header.remove("h.0.ln_1.bias");
        e.write(first);
        fails(load(dir), dir.resolve("model.safetensors.index.json") + ": missing tensor 'h.0.ln_1.bias'");
    }
}
