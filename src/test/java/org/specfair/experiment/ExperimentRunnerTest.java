package org.specfair.experiment;

import org.specfair.spark.TestSpark;
import org.specfair.lm.Golden;
import org.specfair.tables.TableStore;

import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The step runner in local[2] on the golden tiny pair: runs, reuses, reruns what changed or vanished, reports what it cannot do. */
@Tag("slow")
class ExperimentRunnerTest {
    static SparkSession spark;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        spark = TestSpark.local("ExperimentRunnerTest", 2);
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    /** Prompts as token ids (the golden checkpoints have no tokenizer), four groups. */
    private String file(String extra, int maxNewTokens) throws IOException {
        StringBuilder tsv = new StringBuilder("prompt\tcategory\n");
        String[] groups = {"female", "male", "queer", "nonqueer"};
        for (int i = 0; i < 12; i++) {
            tsv.append(i % 7 + 1).append(' ').append(i % 5 + 2).append(' ').append(i + 3).append('\t').append(groups[i % 4]).append('\n');
        }
        Path prompts = Files.writeString(dir.resolve("prompts.tsv"), tsv.toString());
        return """
                experiment: run-{date}
                models:
                  main: %s
                  assistant: %s
                  device: cpu
                prompts:
                  files: [%s]
                decoding:
                  max_new_tokens: %d
                  batch_size: 4
                aggregate: false
                """.formatted(Golden.dir("neo-main-tiny"), Golden.dir("neo-draft-tiny"), prompts, maxNewTokens) + extra;
    }

    private ExperimentRunner.Summary run(String text, StringBuilder log) {
        ExperimentFile f = ExperimentFiles.parse(dir.resolve("e.yaml"), text, LocalDate.of(2026, 11, 30));
        ByteArrayOutputStream progress = new ByteArrayOutputStream();
        ExperimentRunner.Summary s = ExperimentRunner.run(spark, f, dir.resolve("root").toString(),
                new PrintStream(progress, true, StandardCharsets.UTF_8));
        log.append(progress.toString(StandardCharsets.UTF_8));
        return s;
    }

    private long rows(String stage) {
        return TableStore.read(spark, dir.resolve("root").toString(), "generations")
                .filter("experiment = 'run-2026-11-30' AND stage = '" + stage + "'").count();
    }

    @Test
    void runsOnceThenReusesAndRerunsOnlyWhatChanged() throws IOException {
        StringBuilder log = new StringBuilder();
        ExperimentRunner.Summary first = run(file("", 6), log);
        assertEquals(List.of("generate/base"), first.steps().stream().map(ExperimentRunner.StepOutcome::step).toList());
        assertEquals(ExperimentRunner.RAN, first.steps().get(0).status(), log.toString());
        assertTrue(first.complete());
        assertNull(first.report(), "no report step in this file");
        assertEquals(12, rows("base"));
        assertTrue(log.toString().contains("[run-2026-11-30 1/1] generate/base: generate stage base"), log.toString());

        ExperimentRunner.Summary second = run(file("", 6), log);
        assertEquals(ExperimentRunner.REUSED, second.steps().get(0).status(), log.toString());
        assertEquals(12, rows("base"));

        ExperimentRunner.Summary changed = run(file("", 7), log);
        assertEquals(ExperimentRunner.RAN, changed.steps().get(0).status(), "a decoding change reruns generation");
        assertEquals(12, rows("base"), "replaced, not duplicated");

        TableStore.delete(spark, dir.resolve("root/generations").toString());
        ExperimentRunner.Summary vanished = run(file("", 7), log);
        assertEquals(ExperimentRunner.RAN, vanished.steps().get(0).status(), "deleted output is made again");
        assertEquals(12, rows("base"));

        Path folder = dir.resolve("root/_experiments/run-2026-11-30");
        assertTrue(Files.readString(folder.resolve("experiment.yaml")).contains("max_new_tokens: 7"), "config recorded verbatim");
        assertTrue(Files.readString(folder.resolve("lineage.json")).contains("\"fingerprint\" : \"sha256:"));
        assertEquals(4, Files.list(folder.resolve("runs")).filter(p -> p.toString().endsWith(".json")).count());
    }

    /** A step that cannot run here, and one that reads it. */
    record Missing(String id) implements Step {
        public String describe() {
            return "missing";
        }

        public String key(StepContext ctx) {
            return "k";
        }

        public java.util.Map<String, String> run(StepContext ctx) {
            throw new StepUnavailable("not in this build");
        }
    }

    record Dependent(String id, String needs) implements Step {
        public String describe() {
            return "dependent";
        }

        public String key(StepContext ctx) {
            return ctx.keyOf(needs);
        }

        public java.util.Map<String, String> run(StepContext ctx) {
            throw new AssertionError("must not run");
        }
    }

    @Test
    void stepsThatCannotRunAreReportedAndTheirDependentsSkipped() throws IOException {
        ExperimentFile f = ExperimentFiles.parse(dir.resolve("e.yaml"), file("", 4), LocalDate.of(2026, 11, 30));
        ByteArrayOutputStream progress = new ByteArrayOutputStream();
        ExperimentRunner.Summary s = ExperimentRunner.run(spark, f, dir.resolve("root").toString(),
                new PrintStream(progress, true, StandardCharsets.UTF_8),
                List.of(new Missing("x/missing"), new GenerateStep("base"), new Dependent("y/dependent", "x/missing")));
        assertFalse(s.complete());
        assertEquals(List.of(ExperimentRunner.NOT_AVAILABLE, ExperimentRunner.RAN, ExperimentRunner.NOT_AVAILABLE),
                s.steps().stream().map(ExperimentRunner.StepOutcome::status).toList(), progress.toString(StandardCharsets.UTF_8));
        assertEquals("not in this build", s.steps().get(0).detail());
        assertEquals("needs x/missing, which is not available", s.steps().get(2).detail());
        assertTrue(progress.toString(StandardCharsets.UTF_8).contains("[run-2026-11-30 1/3] x/missing: NOT AVAILABLE: not in this build"));
        assertEquals(12, rows("base"), "the steps that do not depend on it still run");
    }

    @Test
    void aSecondRunOfTheSameExperimentIsRefusedWhileTheFirstHoldsTheLock() throws IOException {
        String root = dir.resolve("root").toString();
        try (RunLock held = RunLock.acquire(RunLock.experimentLockFile(root, "run-2026-11-30"), "test")) {
            ExperimentBusy busy = assertThrows(ExperimentBusy.class, () -> run(file("", 6), new StringBuilder()));
            assertTrue(busy.getMessage().startsWith("experiment run-2026-11-30 under " + root + " is already running (pid "),
                    busy.getMessage());
        }
    }
}
