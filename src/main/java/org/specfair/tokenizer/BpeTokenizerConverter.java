package org.specfair.tokenizer;

import org.specfair.checkpoint.CheckpointException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a GPT-2-family slow tokenizer ({@code vocab.json} + {@code merges.txt}) into the equivalent fast
 * {@code tokenizer.json}, laid out as the hub's gpt2 one: byte-level BPE with GPT-2's pre-tokenizer regex,
 * no prefix space, and {@code <|endoftext|>} as an added special token when the vocabulary has it.
 *
 * <p>The result goes to a content-addressed cache under {@code java.io.tmpdir}, never into the checkpoint
 * folder, which may be read-only or shared; identical inputs reuse one converted file.
 */
public final class BpeTokenizerConverter {
    /** Bump when the produced JSON changes, so stale cache entries are not reused. */
    private static final String FORMAT = "specfair-bpe-1";
    private static final String EOS = "<|endoftext|>";

    private BpeTokenizerConverter() {}

    /** Converts {@code dir}'s vocab.json + merges.txt and returns the cached tokenizer.json. */
    public static Path convert(Path dir) {
        return convert(dir, Path.of(System.getProperty("java.io.tmpdir"), "specfair-tokenizers"));
    }

    static Path convert(Path dir, Path cacheRoot) {
        Path vocabFile = dir.resolve("vocab.json");
        Path mergesFile = dir.resolve("merges.txt");
        byte[] vocabBytes = readAll(vocabFile);
        byte[] mergesBytes = readAll(mergesFile);
        Path target = cacheRoot.resolve(digest(vocabBytes, mergesBytes)).resolve("tokenizer.json");
        if (Files.isRegularFile(target)) {
            return target;
        }
        String json = toTokenizerJson(vocabFile, vocabBytes, mergesFile, mergesBytes);
        try {
            Files.createDirectories(target.getParent());
            // Temp file + rename: a concurrent reader (another executor task) never sees half a file.
            Path tmp = Files.createTempFile(target.getParent(), "tokenizer", ".tmp");
            Files.writeString(tmp, json, StandardCharsets.UTF_8);
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new CheckpointException(target + ": cannot write converted tokenizer: " + e.getMessage(), e);
        }
        return target;
    }

    /** The tokenizer.json text for a vocab.json + merges.txt pair (names are used in error messages only). */
    static String toTokenizerJson(Path vocabFile, byte[] vocabBytes, Path mergesFile, byte[] mergesBytes) {
        ObjectMapper m = new ObjectMapper();
        Map<String, Integer> vocab = readVocab(m, vocabFile, vocabBytes);
        List<String> merges = readMerges(mergesFile, mergesBytes, vocab);

        ObjectNode root = m.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        if (vocab.containsKey(EOS)) {
            added.addObject().put("id", vocab.get(EOS)).put("content", EOS).put("single_word", false)
                    .put("lstrip", false).put("rstrip", false).put("normalized", true).put("special", true);
        }
        root.putNull("normalizer");
        root.set("pre_tokenizer", byteLevel(m, false, true));
        root.set("post_processor", byteLevel(m, true, false));
        root.set("decoder", byteLevel(m, true, true));
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE");
        model.putNull("dropout");
        model.putNull("unk_token");
        model.put("continuing_subword_prefix", "");
        model.put("end_of_word_suffix", "");
        model.put("fuse_unk", false);
        model.put("byte_fallback", false);
        ObjectNode v = model.putObject("vocab");
        vocab.forEach(v::put);
        ArrayNode mergeArray = model.putArray("merges");
        merges.forEach(mergeArray::add);
        return root.toString();
    }

    /** GPT-2's ByteLevel component; only add_prefix_space and trim_offsets differ between its three uses. */
    private static ObjectNode byteLevel(ObjectMapper m, boolean addPrefixSpace, boolean trimOffsets) {
        return m.createObjectNode().put("type", "ByteLevel").put("add_prefix_space", addPrefixSpace)
                .put("trim_offsets", trimOffsets).put("use_regex", true);
    }

    private static Map<String, Integer> readVocab(ObjectMapper m, Path file, byte[] bytes) {
        JsonNode node;
        try {
            node = m.readTree(bytes);
        } catch (IOException e) {
            throw new CheckpointException(file + ": not valid JSON: " + e.getMessage().lines().findFirst().orElse(""), e);
        }
        if (node == null || !node.isObject() || node.isEmpty()) {
            throw new CheckpointException(file + ": expected a non-empty JSON object of token -> id");
        }
        Map<String, Integer> vocab = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().canConvertToInt() || e.getValue().asInt() < 0) {
                throw new CheckpointException(file + ": token '" + e.getKey() + "' has id " + e.getValue()
                        + ", expected a non-negative integer");
            }
            vocab.put(e.getKey(), e.getValue().asInt());
        }
        return vocab;
    }

    /** Merge rules in rank order; every part and every merged result must be a vocabulary token. */
    private static List<String> readMerges(Path file, byte[] bytes, Map<String, Integer> vocab) {
        List<String> lines = new String(bytes, StandardCharsets.UTF_8).lines().toList();
        List<String> merges = new java.util.ArrayList<>(lines.size());
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank() || (i == 0 && line.startsWith("#version"))) {
                continue;
            }
            String[] parts = line.trim().split(" ");
            if (parts.length != 2) {
                throw new CheckpointException(file + ": line " + (i + 1) + ": expected two tokens separated by one space, got '"
                        + line + "'");
            }
            for (String token : List.of(parts[0], parts[1], parts[0] + parts[1])) {
                if (!vocab.containsKey(token)) {
                    throw new CheckpointException(file + ": line " + (i + 1) + ": merge '" + line + "' needs token '"
                            + token + "', which vocab.json lacks");
                }
            }
            merges.add(parts[0] + " " + parts[1]);
        }
        return merges;
    }

    private static byte[] readAll(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new CheckpointException(file + ": cannot read: " + e.getMessage(), e);
        }
    }

    private static String digest(byte[] vocab, byte[] merges) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(FORMAT.getBytes(StandardCharsets.UTF_8));
            sha.update(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(vocab))
                    .getBytes(StandardCharsets.UTF_8));
            sha.update(merges);
            return HexFormat.of().formatHex(sha.digest()).substring(0, 32);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
