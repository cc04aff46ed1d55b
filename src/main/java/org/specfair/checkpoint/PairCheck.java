package org.specfair.checkpoint;

import org.specfair.tokenizer.TextTokenizer;

import java.nio.file.Path;

/** Speculative decoding compares token ids across two models, so both must use the same vocabulary. */
public final class PairCheck {
    private PairCheck() {}

    /** Same vocab_size in both configs and, where both folders have tokenizers, the same token for every id. */
    public static void requireSameVocabulary(Path mainDir, Path assistantDir) {
        ModelConfig main = ModelConfig.read(mainDir.resolve("config.json"));
        ModelConfig assistant = ModelConfig.read(assistantDir.resolve("config.json"));
        if (main.vocabSize() != assistant.vocabSize()) {
            throw new CheckpointException("main " + mainDir + " and assistant " + assistantDir
                    + " have different vocabularies (vocab_size " + main.vocabSize() + " vs " + assistant.vocabSize() + ")");
        }
        if (TextTokenizer.exists(mainDir) && TextTokenizer.exists(assistantDir)) {
            try (TextTokenizer a = TextTokenizer.load(mainDir); TextTokenizer b = TextTokenizer.load(assistantDir)) {
                if (a.vocabSize() != b.vocabSize()) {
                    throw new CheckpointException("main " + mainDir + " and assistant " + assistantDir
                            + " have different tokenizers (" + a.vocabSize() + " vs " + b.vocabSize() + " tokens)");
                }
                for (int id = 0; id < a.vocabSize(); id++) {
                    if (!a.token(id).equals(b.token(id))) {
                        throw new CheckpointException("main " + mainDir + " and assistant " + assistantDir
                                + " have different tokenizers (token id " + id + ": '" + a.token(id) + "' vs '" + b.token(id) + "')");
                    }
                }
            }
        } else if (TextTokenizer.exists(mainDir) != TextTokenizer.exists(assistantDir)) {
            org.apache.logging.log4j.LogManager.getLogger(PairCheck.class).warn(
                    "only one of {} and {} has a tokenizer; vocabulary compared by size only", mainDir, assistantDir);
        }
    }
}
