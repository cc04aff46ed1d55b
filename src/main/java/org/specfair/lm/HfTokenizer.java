package org.specfair.lm;

import java.nio.file.Path;

/** Placeholder replaced by the tokenizer work (DJL HuggingFaceTokenizer). */
final class HfTokenizer {
    private HfTokenizer() {}

    static TextTokenizer load(Path dir) {
        throw new CheckpointException(dir + ": tokenizer loading is not built yet");
    }
}
