package org.specfair.experiment;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ExperimentFilesTest {
    static final LocalDate DAY = LocalDate.of(2026, 11, 30);

    @TempDir
    Path dir;

    /** A valid file over real (empty) folders in the temp dir; {@code %s} placeholders are filled with them. */
    private String valid() throws IOException {
        Path main = Files.createDirectories(dir.resolve("main"));
        Files.writeString(main.resolve("config.json"), "{}");
        Path draft = Files.createDirectories(dir.resolve("draft"));
        Files.writeString(draft.resolve("config.json"), "{}");
        Path prompts = Files.writeString(dir.resolve("p.tsv"), "prompt\tcategory\nThe man is\tmale\n");
        Path corpus = Files.writeString(dir.resolve("corpus.txt"), "the man is kind\n");
        return """
                experiment: nightly-{date}
                models:
                  main: %s
                  assistant: %s
                prompts:
                  files: [%s]
                decoding:
                  max_new_tokens: 8
                datasets:
                  corpus: {path: %s, format: text}
                  corpus_cf: {counterfactual_of: corpus}
                stages:
                  - name: base
                  - name: cf
                    main: [corpus_cf]
                    finetune: {max_steps: 10}
                judges:
                  - lex=honest:lexicon=x.tsv
                """.formatted(main, draft, prompts, corpus);
    }

    private ExperimentFile parse(String text) {
        return ExperimentFiles.parse(dir.resolve("e.yaml"), text, DAY);
    }

    private String error(String text) {
        return assertThrows(ExperimentFileException.class, () -> parse(text)).getMessage();
    }

    @Test
    void readsAValidFileWithDefaultsAndTheDate() throws IOException {
        ExperimentFile f = parse(valid());
        ExperimentConfig c = f.config();
        assertEquals("nightly-2026-11-30", c.experiment());
        assertEquals(8, c.decoding().maxNewTokens());
        assertEquals(5, c.decoding().numAssistantTokens(), "default");
        assertEquals("heuristic", c.decoding().schedule(), "default");
        assertEquals(2, c.stages().size());
        assertEquals(10, ExperimentFiles.trainConfig(c, c.stages().get(1)).maxSteps());
        assertTrue(c.aggregate() && c.report());
        assertEquals(java.util.List.of("corpus_cf"), ExperimentFiles.datasetsInUse(c));
        assertEquals(15, f.lineOf("stages[1].main"));
    }

    @Test
    void unknownKeyIsNamedWithItsPathAndLine() throws IOException {
        String msg = error(valid().replace("    main: [corpus_cf]", "    mian: [corpus_cf]"));
        assertTrue(msg.contains("e.yaml:15: stages[1].mian: unknown key 'mian'"), msg);
        assertTrue(msg.contains("known: assistant, finetune, main, name, parent"), msg);
    }

    @Test
    void wrongTypeIsNamedWithItsPathAndLine() throws IOException {
        String msg = error(valid().replace("max_new_tokens: 8", "max_new_tokens: eight"));
        assertTrue(msg.contains("e.yaml:8: decoding.max_new_tokens: expected a whole number, got 'eight'"), msg);
        msg = error(valid().replace("finetune: {max_steps: 10}", "finetune: {max_steps: ten}"));
        assertTrue(msg.contains(":16: stages[1].finetune.max_steps: hyper-parameter max_steps: not a number: 'ten'"), msg);
        msg = error(valid().replace("finetune: {max_steps: 10}", "finetune: {steps: 10}"));
        assertTrue(msg.contains(":16: stages[1].finetune.steps: unknown key 'steps' (known: adam_eps, batch_size"), msg);
        msg = error(valid().replace("  - name: base", "  - name: [base]"));
        assertTrue(msg.contains(":13: stages[0].name: expected a text value"), msg);
    }

    @Test
    void missingModelPathIsRefused() throws IOException {
        String text = valid();
        String msg = error(text.replaceFirst("  main: \\S+", "  main: " + dir.resolve("nowhere")));
        assertTrue(msg.contains("e.yaml:3: models.main: checkpoint folder " + dir.resolve("nowhere") + " does not exist"), msg);
        msg = error(text.replaceFirst("  main: \\S+\n", ""));
        assertTrue(msg.contains("e.yaml:2: models.main: required"), msg);
    }

    @Test
    void stageNamingAnUnknownDatasetIsRefused() throws IOException {
        String msg = error(valid().replace("main: [corpus_cf]", "main: [corpsu]"));
        assertTrue(msg.contains("e.yaml:15: stages[1].main[0]: unknown dataset 'corpsu' (known: corpus, corpus_cf)"), msg);
    }

    @Test
    void otherMistakesAreNamed() throws IOException {
        String text = valid();
        assertTrue(error(text.replace("counterfactual_of: corpus}", "counterfactual_of: nope}"))
                .contains(":11: datasets.corpus_cf.counterfactual_of: unknown dataset 'nope'"));
        assertTrue(error(text.replace("  - name: cf", "  - name: base")).contains("stage 'base' appears twice"));
        assertTrue(error(text.replace("lex=honest", "lex=perspective")).contains(":18: judges[0]: 'lex=perspective:"));
        assertTrue(error(text.replace("max_new_tokens: 8", "max_new_tokens: 0")).contains("decoding: max_new_tokens must be >= 1"));
        String dup = error(text + "models: {}\n");
        assertTrue(dup.contains("not valid YAML: Duplicate field 'models'"), dup);
        String bad = error("experiment: [x\n");
        assertTrue(bad.contains("e.yaml:1: not valid YAML: while parsing a flow sequence"), bad);
        assertTrue(error("").contains("e.yaml:1: the experiment file is empty"));
    }
}
