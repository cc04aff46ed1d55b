package org.specfair.demo;

import org.specfair.checkpoint.ModelConfig;
import org.specfair.lm.CausalLM;
import org.specfair.lm.DerivedWeights;
import org.specfair.lm.Models;
import org.specfair.lm.RandomWeights;
import org.specfair.lm.SafetensorsWriter;
import org.specfair.lm.WeightSource;
import org.specfair.prompts.Prompt;
import org.specfair.prompts.PromptColumns;
import org.specfair.prompts.PromptSource;
import org.specfair.tokenizer.BpeTrainer;


import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The demo's model pair, made from nothing but the sample prompts: a byte-level BPE tokenizer trained
 * on their text, a small GPT-Neo main model with seeded random weights, and an assistant derived from it
 * (its first two blocks plus a little noise), so the two agree often but not always, like a real pair.
 *
 * <p>The knobs, and why: the token embedding (tied to the LM head) is drawn large ({@link #EMBEDDING_STD})
 * so predictions are peaked and the first blocks already decide most of them, which is what gives a
 * truncated assistant its agreement. The blocks are drawn at {@link #STD} = 0.06 rather than Hugging Face's
 * 0.02: at 0.02 they barely move the residual stream, every model repeats its last token and main and
 * assistant agree on every token (acceptance 1.0, nothing to measure). {@link #DRAFT_NOISE} then sets how
 * often the pair disagrees: on the 200 sample prompts (greedy, 20 new tokens, heuristic schedule from 5)
 * the acceptance rate is about 0.67 and the argmax agreement about 0.87. Byte symbols the prompts never
 * contain get short embedding rows, so completions are words of the prompts, not stray bytes.
 *
 * <p>Nothing is trained: completions are repetitive nonsense, but every number in the tables is real.
 * Same prompts file, same bytes in every written file.
 */
public final class DemoModels {
    public static final String MAIN = "demo-main";
    public static final String DRAFT = "demo-draft";

    /** Tokenizer size, {@code <|endoftext|>} included (smaller if the prompts run out of pairs to merge). */
    static final int VOCAB_SIZE = 512;
    static final int HIDDEN = 128;
    static final int LAYERS = 4;
    static final int HEADS = 4;
    static final int WINDOW = 64;
    static final int POSITIONS = 256;
    static final long SEED = 20240601L;
    static final double STD = 0.06;
    static final double EMBEDDING_STD = 0.3;
    static final double UNSEEN_SCALE = 0.25;
    static final int DRAFT_LAYERS = 2;
    static final double DRAFT_NOISE = 0.02;

    /** What was written. */
    public record Written(Path main, Path draft, int vocabSize, int eosId, int merges) {}

    /** Knobs of the pair (fixed for the demo; tests and tuning vary them). */
    record Recipe(long seed, double std, double embeddingStd, double unseenScale, int draftLayers, double draftNoise) {
        static final Recipe DEMO = new Recipe(SEED, STD, EMBEDDING_STD, UNSEEN_SCALE, DRAFT_LAYERS, DRAFT_NOISE);
    }

    private DemoModels() {}

    /** Writes {@code outDir/demo-main} and {@code outDir/demo-draft} (replacing earlier demo checkpoints there). */
    public static Written write(Path outDir, Path promptsTsv) {
        return write(outDir, promptsTsv, Recipe.DEMO);
    }

    static Written write(Path outDir, Path promptsTsv, Recipe recipe) {
        List<String> texts = PromptSource.load(List.of(promptsTsv), "tsv", PromptColumns.SAMPLE, null, null).stream()
                .filter(p -> !p.hasError())
                .map(Prompt::text)
                .toList();
        return write(outDir.resolve(MAIN), outDir.resolve(DRAFT), texts, recipe);
    }

    /**
     * The pair with a tokenizer trained on {@code texts} (e.g. prompts plus a finetuning corpus, so the
     * corpus's words are tokens), written to {@code mainDir} and {@code draftDir}. The experiment runner
     * makes its demo pair this way and then trains it.
     */
    public static Written write(Path mainDir, Path draftDir, List<String> texts) {
        return write(mainDir, draftDir, texts, Recipe.DEMO);
    }

    /** The recipe's knobs as text (the experiment runner's step key: a changed knob remakes the pair). */
    public static String describeRecipe() {
        return Recipe.DEMO + "|vocab=" + VOCAB_SIZE + "|hidden=" + HIDDEN + "|layers=" + LAYERS + "|heads=" + HEADS
                + "|window=" + WINDOW + "|positions=" + POSITIONS;
    }

    static Written write(Path mainDir, Path draftDir, List<String> texts, Recipe recipe) {
        BpeTrainer.Vocabulary vocab = BpeTrainer.train(texts, VOCAB_SIZE);
        ModelConfig mainConfig = mainConfig(vocab.size(), vocab.eosId());
        Path outDir = mainDir.toAbsolutePath().getParent();
        Path tokenizerDir = null;
        try {
            Files.createDirectories(outDir);
            tokenizerDir = Files.createTempDirectory(outDir, ".demo-tokenizer-");
            List<Path> tokenizerFiles = vocab.write(tokenizerDir);
            WeightSource weights = new DampedRows(new RandomWeights(recipe.seed(), recipe.std(), recipe.embeddingStd()),
                    unseenBytes(texts), recipe.unseenScale());
            try (CausalLM main = Models.build(mainConfig, weights, "cpu", "float32")) {
                SafetensorsWriter.writeCheckpoint(mainDir, mainConfig, SafetensorsWriter.tensorsOf(main),
                        SafetensorsWriter.Dtype.F32, tokenizerFiles);
                ModelConfig draftConfig = mainConfig.withLayers(recipe.draftLayers());
                try (CausalLM draft = Models.build(draftConfig,
                        new DerivedWeights(main, recipe.draftLayers(), recipe.draftNoise(), recipe.seed() + 1), "cpu", "float32")) {
                    SafetensorsWriter.writeCheckpoint(draftDir, draftConfig, SafetensorsWriter.tensorsOf(draft),
                            SafetensorsWriter.Dtype.F32, tokenizerFiles);
                }
            }
            return new Written(mainDir, draftDir, vocab.size(), vocab.eosId(), vocab.merges().size());
        } catch (IOException e) {
            throw new UncheckedIOException(outDir + ": cannot write the demo models: " + e.getMessage(), e);
        } finally {
            deleteTree(tokenizerDir);
        }
    }

    /** GPT-Neo as in gpt-neo-125M, scaled down: global and local layers alternating, window 64, 256 positions. */
    static ModelConfig mainConfig(int vocabSize, int eosId) {
        boolean[] local = new boolean[LAYERS];
        for (int i = 1; i < LAYERS; i += 2) {
            local[i] = true;
        }
        return new ModelConfig("gpt_neo", vocabSize, HIDDEN, LAYERS, HEADS, HEADS, 4 * HIDDEN, POSITIONS, 1e-5, 0,
                WINDOW, local, "gelu_new", true, eosId, eosId, "float32");
    }

    /** Byte symbols (ids 0..255) for bytes that occur in none of the texts: bytes of other scripts, control characters. */
    static Set<Integer> unseenBytes(List<String> texts) {
        boolean[] seen = new boolean[256];
        for (String t : texts) {
            for (byte b : t.getBytes(StandardCharsets.UTF_8)) {
                seen[b & 0xff] = true;
            }
        }
        Set<Integer> unseen = new TreeSet<>();
        for (int b = 0; b < 256; b++) {
            if (!seen[b]) {
                unseen.add(b);
            }
        }
        return unseen;
    }

    /**
     * Random weights whose token-embedding rows for {@code rows} are scaled by {@code scale}: with the head
     * tied to the embedding, a short row is rarely the most likely next token. The demo uses it for byte
     * symbols the prompts never contain, so completions are words of the prompts' vocabulary, not stray bytes
     * (a trained model does the same: tokens it never saw get low probability).
     */
    record DampedRows(WeightSource base, Set<Integer> rows, double scale) implements WeightSource {
        @Override
        public String describe() {
            return base.describe();
        }

        @Override
        public Set<String> names() {
            return base.names();
        }

        @Override
        public long[] shape(String name) {
            return base.shape(name);
        }

        @Override
        public ByteBuffer float32(String name, long[] shape) {
            ByteBuffer buf = base.float32(name, shape);
            if (name.equals("wte.weight")) {
                int width = (int) shape[1];
                for (int row : rows) {
                    for (int j = 0; j < width; j++) {
                        int at = (row * width + j) * Float.BYTES;
                        buf.putFloat(at, (float) (buf.getFloat(at) * scale));
                    }
                }
            }
            return buf;
        }
    }

    private static void deleteTree(Path root) {
        if (root == null || !Files.exists(root)) {
            return;
        }
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException ignored) {
            // a leftover hidden temp folder is harmless
        }
    }
}
