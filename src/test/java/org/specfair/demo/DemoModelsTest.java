package org.specfair.demo;

import org.specfair.checkpoint.Checkpoint;
import org.specfair.checkpoint.ModelConfig;
import org.specfair.checkpoint.PairCheck;
import org.specfair.cli.SpecFair;
import org.specfair.prompts.PromptColumns;
import org.specfair.prompts.PromptSource;
import org.specfair.tokenizer.BpeTrainer;
import org.specfair.tokenizer.TextTokenizer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The demo pair: shapes, shared tokenizer trained on the sample prompts, byte-identical rewrites, the CLI. */
class DemoModelsTest {
    static final Path PROMPTS = Path.of("data/sample_prompts.tsv");
    static final List<String> FILES = List.of("config.json", "model.safetensors", "vocab.json", "merges.txt");

    @TempDir
    Path tmp;

    @Test
    void pairHasTheDemoShapesAndOneTokenizer() {
        DemoModels.Written w = DemoModels.write(tmp.resolve("models"), PROMPTS);
        assertEquals(tmp.resolve("models/demo-main"), w.main());
        ModelConfig main = Checkpoint.open(w.main()).config();
        ModelConfig draft = Checkpoint.open(w.draft()).config();
        assertEquals("gpt_neo", main.modelType());
        assertEquals(128, main.hiddenSize());
        assertEquals(4, main.numLayers());
        assertArrayEquals(new boolean[] {false, true, false, true}, main.localLayers());
        assertEquals(64, main.windowSize());
        assertEquals(256, main.maxPositions());
        assertEquals(2, draft.numLayers());
        assertEquals(main.vocabSize(), draft.vocabSize());
        assertTrue(w.vocabSize() > 400 && w.vocabSize() <= 512, "vocabulary " + w.vocabSize());
        PairCheck.requireSameVocabulary(w.main(), w.draft());
        try (TextTokenizer tok = TextTokenizer.load(w.main())) {
            assertEquals(main.vocabSize(), tok.vocabSize());
            assertEquals(w.eosId(), main.eosTokenId());
            assertArrayEquals(new int[] {main.eosTokenId()}, tok.encode(BpeTrainer.EOS));
            // Trained on the prompts: every word of a prompt is one token, and the text comes back exactly.
            for (var p : PromptSource.load(List.of(PROMPTS), "tsv", PromptColumns.SAMPLE, null, null)) {
                int[] ids = tok.encode(p.text());
                long pieces = java.util.regex.Pattern.compile(" ?\\p{L}+| ?[^\\s\\p{L}]+").matcher(p.text()).results().count();
                assertEquals(pieces, ids.length, p.text());
                assertEquals(p.text(), tok.decode(ids));
            }
        }
        try (var files = java.util.stream.Stream.of(tmp.resolve("models").toFile().list())) {
            assertEquals(List.of("demo-draft", "demo-main"), files.sorted().toList(), "no temporary folders left");
        }
    }

    @Test
    void sameInputsByteIdenticalFilesAlsoThroughTheCli() throws IOException {
        DemoModels.Written a = DemoModels.write(tmp.resolve("a"), PROMPTS);
        assertEquals(0, SpecFair.run("make-demo-models", "--out", tmp.resolve("b").toString(), "--prompts", PROMPTS.toString()));
        for (String model : List.of(DemoModels.MAIN, DemoModels.DRAFT)) {
            for (String f : FILES) {
                assertArrayEquals(Files.readAllBytes(tmp.resolve("a").resolve(model).resolve(f)),
                        Files.readAllBytes(tmp.resolve("b").resolve(model).resolve(f)), model + "/" + f);
            }
        }
        assertFalse(Files.readString(a.main().resolve("config.json")).isBlank());
    }
}
