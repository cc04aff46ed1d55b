package org.specfair.cli;

import org.specfair.judge.TinyJudgeModel;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad input to `specfair judge`: one line on stderr naming the judge, file or column, exit 2, nothing written. */
@Tag("slow")
class JudgeCommandTest {
    static void assertOneLineError(CliTest.Result r, String expected) {
        assertEquals(2, r.code(), r.err());
        String line = r.err().lines().filter(l -> l.startsWith("specfair ")).findFirst().orElse("");
        assertTrue(line.contains(expected), "stderr: " + r.err());
        assertTrue(r.err().lines().noneMatch(l -> l.startsWith("\tat ")), "no stack trace: " + r.err());
    }

    @Test
    void badJudgesAndInputs(@TempDir Path tmp) throws Exception {
        String root = tmp.resolve("out").toString();
        assertOneLineError(CliTest.run("judge", "--root", root, "--experiment", "e", "--judge", "x=perspective:model=m"),
                "judge x: unknown kind 'perspective'");
        Path gpt2 = TinyJudgeModel.write(tmp.resolve("gpt2-judge"), "gpt2", 1);
        assertOneLineError(CliTest.run("judge", "--root", root, "--experiment", "e", "--master", "local[1]", "--judge", "g=llm:model=" + gpt2),
                "is model_type gpt2; llm judges need a LLaMA-architecture chat checkpoint");
        assertOneLineError(CliTest.run("judge", "--root", root, "--experiment", "e", "--master", "local[1]",
                "--judge", "lex=honest:lexicon=" + tmp.resolve("missing.tsv")), "missing.tsv: lexicon file not found");
        Path noColumns = Files.writeString(tmp.resolve("words.tsv"), "word\tcategory\nidiot\tddp\n");
        assertOneLineError(CliTest.run("judge", "--root", root, "--experiment", "e", "--master", "local[1]",
                "--judge", "lex=honest:lexicon=" + noColumns), "words.tsv: not a HurtLex lexicon: no column 'lemma'");
        Path unlabelled = Files.writeString(tmp.resolve("texts.csv"), "text,toxicity\nyou idiot,1\nhello,0\n");
        assertOneLineError(CliTest.run("judge", "train-classifier", "--data", unlabelled.toString(), "--out", tmp.resolve("clf").toString(),
                "--master", "local[1]"), "texts.csv: no column 'label' (columns: text, toxicity");
        Path badLabel = Files.writeString(tmp.resolve("labels.csv"), "text,label\nyou idiot,1\nhello,maybe\n");
        assertOneLineError(CliTest.run("judge", "train-classifier", "--data", badLabel.toString(), "--out", tmp.resolve("clf").toString(),
                "--master", "local[1]"), "label 'maybe' in column label");
        assertOneLineError(CliTest.run("judge", "--root", root, "--experiment", "e", "--master", "local[1]",
                "--judge", "lex=honest:lexicon=data/lexicon/demo_lexicon.tsv"), "no generations table");
        assertTrue(!Files.exists(Path.of(root, "judgments")), "nothing written");
    }
}
