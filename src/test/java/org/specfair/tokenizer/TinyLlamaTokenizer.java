package org.specfair.tokenizer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A miniature LLaMA-2 {@code tokenizer.json} as {@code transformers} converts a SentencePiece model: BPE with
 * byte fallback ({@code <0x00>}..{@code <0xFF>} at ids 3..258), a normalizer that prepends "▁" and turns spaces
 * into "▁", a decoder that undoes both and strips the first space, and a post-processor that puts {@code <s>}
 * first. Ids: {@code <unk>} 0, {@code <s>} 1, {@code </s>} 2, bytes, then single characters and merges.
 */
public final class TinyLlamaTokenizer {
    public static final List<String> MERGES = List.of("▁ t", "h e", "▁t he", "▁ w", "o r", "▁w or", "l d", "▁wor ld", "▁ a");
    private static final String CHARS = "▁thewordlasn.";

    public final Map<String, Integer> vocab = new LinkedHashMap<>();

    public TinyLlamaTokenizer() {
        vocab.put("<unk>", 0);
        vocab.put("<s>", 1);
        vocab.put("</s>", 2);
        for (int b = 0; b < 256; b++) {
            vocab.put(String.format("<0x%02X>", b), vocab.size());
        }
        for (char c : CHARS.toCharArray()) {
            vocab.put(String.valueOf(c), vocab.size());
        }
        for (String merge : MERGES) {
            vocab.put(merge.replace(" ", ""), vocab.size());
        }
    }

    public int id(String token) {
        return vocab.get(token);
    }

    /** tokenizer.json only (its post-processor decides the special tokens). */
    public Path write(Path dir) throws IOException {
        Files.createDirectories(dir);
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = json.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        for (String t : List.of("<unk>", "<s>", "</s>")) {
            added.addObject().put("id", vocab.get(t)).put("content", t).put("single_word", false).put("lstrip", false)
                    .put("rstrip", false).put("normalized", false).put("special", true);
        }
        ObjectNode normalizer = root.putObject("normalizer").put("type", "Sequence");
        ArrayNode norms = normalizer.putArray("normalizers");
        norms.addObject().put("type", "Prepend").put("prepend", "▁");
        ObjectNode replace = norms.addObject().put("type", "Replace");
        replace.putObject("pattern").put("String", " ");
        replace.put("content", "▁");
        root.putNull("pre_tokenizer");
        ObjectNode post = root.putObject("post_processor").put("type", "TemplateProcessing");
        post.putArray("single").add(json.readTree("{\"SpecialToken\": {\"id\": \"<s>\", \"type_id\": 0}}"))
                .add(json.readTree("{\"Sequence\": {\"id\": \"A\", \"type_id\": 0}}"));
        post.putArray("pair").add(json.readTree("{\"SpecialToken\": {\"id\": \"<s>\", \"type_id\": 0}}"))
                .add(json.readTree("{\"Sequence\": {\"id\": \"A\", \"type_id\": 0}}"))
                .add(json.readTree("{\"SpecialToken\": {\"id\": \"<s>\", \"type_id\": 1}}"))
                .add(json.readTree("{\"Sequence\": {\"id\": \"B\", \"type_id\": 1}}"));
        post.putObject("special_tokens").set("<s>", json.readTree("{\"id\": \"<s>\", \"ids\": [1], \"tokens\": [\"<s>\"]}"));
        ObjectNode decoder = root.putObject("decoder").put("type", "Sequence");
        ArrayNode decs = decoder.putArray("decoders");
        ObjectNode undo = decs.addObject().put("type", "Replace");
        undo.putObject("pattern").put("String", "▁");
        undo.put("content", " ");
        decs.addObject().put("type", "ByteFallback");
        decs.addObject().put("type", "Fuse");
        decs.addObject().put("type", "Strip").put("content", " ").put("start", 1).put("stop", 0);
        ObjectNode model = root.putObject("model").put("type", "BPE");
        model.putNull("dropout");
        model.put("unk_token", "<unk>");
        model.putNull("continuing_subword_prefix");
        model.putNull("end_of_word_suffix");
        model.put("fuse_unk", true);
        model.put("byte_fallback", true);
        ObjectNode v = model.putObject("vocab");
        vocab.forEach(v::put);
        ArrayNode merges = model.putArray("merges");
        MERGES.forEach(merges::add);
        json.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("tokenizer.json").toFile(), root);
        return dir;
    }

    /** tokenizer.json plus a tokenizer_config.json naming {@code tokenizerClass} with the given add_bos_token. */
    public Path write(Path dir, String tokenizerClass, Boolean addBosToken) throws IOException {
        write(dir);
        ObjectNode cfg = new ObjectMapper().createObjectNode();
        cfg.put("tokenizer_class", tokenizerClass);
        cfg.put("bos_token", "<s>");
        cfg.put("eos_token", "</s>");
        cfg.put("unk_token", "<unk>");
        if (addBosToken != null) {
            cfg.put("add_bos_token", addBosToken);
        }
        new ObjectMapper().writeValue(dir.resolve("tokenizer_config.json").toFile(), cfg);
        return dir;
    }
}
