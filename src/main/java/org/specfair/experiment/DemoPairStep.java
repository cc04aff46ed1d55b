package org.specfair.experiment;

import org.specfair.checkpoint.Checkpoint;
import org.specfair.demo.DemoModels;
import org.specfair.prompts.Prompt;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code models.make: demo}: the project's own tiny pair, untrained, at {@code models.main} and
 * {@code models.assistant} ({@link DemoModels}: a BPE tokenizer trained on the prompts and every
 * text-format dataset, so the corpus's words are tokens; GPT-Neo main and a 2-layer assistant). The first
 * stage then trains both on the corpus.
 */
final class DemoPairStep implements Step {
    static final String ID = "models/demo";

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String describe() {
        return "make the demo pair (BPE tokenizer on prompts + corpus, GPT-Neo main, smaller assistant)";
    }

    @Override
    public String key(StepContext ctx) {
        StringBuilder k = new StringBuilder(DemoModels.describeRecipe())
                .append("|main=").append(ctx.config.models().main()).append("|assistant=").append(ctx.config.models().assistant());
        for (Prompt p : ctx.prompts()) {
            k.append('|').append(p.text());
        }
        for (String dataset : textDatasets(ctx)) {
            k.append('|').append(ctx.contentFingerprint(dataset));
        }
        return Hashes.of(k.toString());
    }

    @Override
    public Map<String, String> run(StepContext ctx) {
        List<String> texts = new ArrayList<>(ctx.prompts().stream().map(Prompt::text).toList());
        for (String dataset : textDatasets(ctx)) {
            try {
                Files.readAllLines(Path.of(dataset)).stream().filter(l -> !l.isBlank()).forEach(texts::add);
            } catch (IOException e) {
                throw new UncheckedIOException(dataset + ": cannot read (" + e.getMessage() + ")", e);
            }
        }
        DemoModels.Written w = DemoModels.write(Path.of(ctx.config.models().main()), Path.of(ctx.config.models().assistant()), texts);
        Map<String, String> out = new LinkedHashMap<>();
        out.put("main", w.main().toString());
        out.put("main_fingerprint", Checkpoint.open(w.main()).fingerprint());
        out.put("assistant", w.draft().toString());
        out.put("assistant_fingerprint", Checkpoint.open(w.draft()).fingerprint());
        out.put("vocab_size", String.valueOf(w.vocabSize()));
        return out;
    }

    @Override
    public boolean stillThere(StepContext ctx, Map<String, String> outputs) {
        for (String role : List.of("main", "assistant")) {
            Path dir = Path.of(outputs.get(role));
            if (!Files.isRegularFile(dir.resolve("config.json"))
                    || !Checkpoint.open(dir).fingerprint().equals(outputs.get(role + "_fingerprint"))) {
                return false;
            }
        }
        return true;
    }

    /** Local text-format file datasets (one example per line): their words go into the tokenizer. */
    private static List<String> textDatasets(StepContext ctx) {
        List<String> out = new ArrayList<>();
        for (ExperimentConfig.Dataset d : ctx.config.datasets().values()) {
            if (d.path() != null && !ExperimentFiles.isRemote(d.path())
                    && ("text".equals(d.format()) || (d.format() == null && d.path().endsWith(".txt")))) {
                out.add(d.path());
            }
        }
        return out;
    }
}
