package org.specfair.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * A Hugging Face checkpoint folder: {@code config.json} plus {@code model.safetensors}, or shards
 * listed in {@code model.safetensors.index.json}. Pickle files ({@code pytorch_model.bin}) are refused:
 * unpickling runs arbitrary code.
 */
public final class Checkpoint {
    private final Path dir;
    private final ModelConfig config;
    private final List<SafetensorsFile> shards;
    private final Map<String, SafetensorsFile> byTensor = new LinkedHashMap<>();

    private Checkpoint(Path dir, ModelConfig config, List<SafetensorsFile> shards) {
        this.dir = dir;
        this.config = config;
        this.shards = shards;
        for (SafetensorsFile f : shards) {
            for (String name : f.tensors().keySet()) {
                SafetensorsFile prev = byTensor.put(name, f);
                if (prev != null) {
                    throw new CheckpointException(f.path() + ": tensor '" + name + "' also appears in " + prev.path());
                }
            }
        }
    }

    public static Checkpoint open(Path dir) {
        if (Files.isRegularFile(dir)) {
            throw new CheckpointException(dir + ": is a file; give the checkpoint folder that holds config.json and the weights");
        }
        if (!Files.isDirectory(dir)) {
            throw new CheckpointException(dir + ": checkpoint folder does not exist");
        }
        ModelConfig config = ModelConfig.read(dir.resolve("config.json"));
        // As transformers' model.generation_config: generation_config.json's eos ids, when it has them, are the
        // ones generate() stops on (Llama 3.x lists several there); config.json's otherwise.
        GenerationConfig generation = GenerationConfig.read(dir);
        if (generation.eosTokenIds() != null) {
            config = config.withEosTokenIds(generation.eosTokenIds());
        }
        return new Checkpoint(dir, config, findWeightFiles(dir));
    }

    private static List<SafetensorsFile> findWeightFiles(Path dir) {
        Path single = dir.resolve("model.safetensors");
        Path index = dir.resolve("model.safetensors.index.json");
        if (Files.isRegularFile(single)) {
            return List.of(SafetensorsFile.open(single));
        }
        if (Files.isRegularFile(index)) {
            TreeSet<String> files = new TreeSet<>();
            try {
                JsonNode map = new ObjectMapper().readTree(index.toFile()).get("weight_map");
                if (map == null || !map.isObject()) {
                    throw new CheckpointException(index + ": no 'weight_map' object");
                }
                for (Iterator<JsonNode> it = map.elements(); it.hasNext(); ) {
                    files.add(it.next().asText());
                }
            } catch (IOException e) {
                throw new CheckpointException(index + ": not valid JSON: " + ModelConfig.firstLine(e), e);
            }
            List<SafetensorsFile> shards = new ArrayList<>();
            for (String f : files) {
                Path p = dir.resolve(f).normalize();
                if (!p.startsWith(dir.normalize()) || !Files.isRegularFile(p)) {
                    throw new CheckpointException(index + ": shard '" + f + "' is missing");
                }
                shards.add(SafetensorsFile.open(p));
            }
            return shards;
        }
        try (var list = Files.list(dir)) {
            List<String> pickles = list.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".bin") || n.endsWith(".pt") || n.endsWith(".pth") || n.endsWith(".ckpt"))
                    .sorted().toList();
            if (!pickles.isEmpty()) {
                throw new CheckpointException(dir + ": only pickle weights (" + String.join(", ", pickles)
                        + "); SpecFair never unpickles (it can run arbitrary code). Convert once with: python -c \"from transformers import AutoModelForCausalLM as M; M.from_pretrained('"
                        + dir + "').save_pretrained('" + dir + "-safetensors', safe_serialization=True)\"");
            }
        } catch (IOException e) {
            throw new CheckpointException(dir + ": cannot list folder: " + e.getMessage(), e);
        }
        throw new CheckpointException(dir + ": no model.safetensors or model.safetensors.index.json");
    }

    public Path dir() {
        return dir;
    }

    public ModelConfig config() {
        return config;
    }

    /** What error messages about weights name: model.safetensors, or the index of a sharded checkpoint. */
    public Path weightsFile() {
        return shards.size() == 1 && shards.get(0).path().getFileName().toString().equals("model.safetensors")
                ? shards.get(0).path() : dir.resolve("model.safetensors.index.json");
    }

    /** Tensor name -> the file holding it. */
    public Map<String, SafetensorsFile> tensors() {
        return byTensor;
    }

    /**
     * Provenance: "sha256:" + the first 16 hex digits of SHA-256 over config.json, generation_config.json when
     * there is one (its eos ids change decoding), and every weight file (names and bytes), so the same weights
     * give the same fingerprint wherever they are copied.
     */
    public String fingerprint() {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            List<Path> files = new ArrayList<>();
            files.add(dir.resolve("config.json"));
            if (Files.isRegularFile(dir.resolve("generation_config.json"))) {
                files.add(dir.resolve("generation_config.json"));
            }
            shards.stream().map(SafetensorsFile::path).sorted().forEach(files::add);
            byte[] buf = new byte[1 << 20];
            for (Path f : files) {
                sha.update(f.getFileName().toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                try (InputStream in = Files.newInputStream(f)) {
                    for (int n; (n = in.read(buf)) > 0; ) {
                        sha.update(buf, 0, n);
                    }
                }
            }
            return "sha256:" + HexFormat.of().formatHex(sha.digest()).substring(0, 16);
        } catch (IOException | NoSuchAlgorithmException e) {
            throw new CheckpointException(dir + ": cannot fingerprint: " + e.getMessage(), e);
        }
    }
}
