package org.specfair.finetune;

import org.specfair.demo.DemoModels;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Test fixtures: the demo's tiny GPT-Neo pair (with its tokenizer) and a small project-written corpus. */
final class TinyCorpus {
    private TinyCorpus() {}

    static final String[] SUBJECTS = {"The woman", "The man", "My sister", "His brother", "The girl", "The boy"};
    static final String[] VERBS = {"worked as a", "dreams of being a", "is known for being a", "wants to be a"};
    static final String[] JOBS = {"nurse", "teacher", "doctor", "farmer", "writer", "baker", "pilot", "lawyer"};

    /** {@code n} seeded sentences of a small grammar: a model can learn it within a few dozen steps. */
    static List<String> sentences(int n, long seed) {
        Random rnd = new Random(seed);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(SUBJECTS[rnd.nextInt(SUBJECTS.length)] + " " + VERBS[rnd.nextInt(VERBS.length)] + " "
                    + JOBS[rnd.nextInt(JOBS.length)] + ".");
        }
        return out;
    }

    /** A JSONL file with a {@code text} column. */
    static Path jsonl(Path dir, String name, List<String> texts) {
        try {
            Files.createDirectories(dir);
            Path f = dir.resolve(name + ".jsonl");
            StringBuilder s = new StringBuilder();
            for (String t : texts) {
                s.append("{\"text\": \"").append(t.replace("\"", "\\\"")).append("\", \"label\": 1}\n");
            }
            Files.writeString(f, s);
            return f;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The demo pair under {@code dir} (demo-main, demo-draft), built from the sample prompts. */
    static DemoModels.Written models(Path dir) {
        return DemoModels.write(dir, Path.of("data/sample_prompts.tsv"));
    }
}
