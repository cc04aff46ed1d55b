package org.specfair.experiment;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.spark.sql.SparkSession;

import java.io.PrintStream;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Runs an experiment's steps in order ({@link ExperimentPlan}) with every table under one root.
 *
 * <p>A step whose inputs (settings, checkpoint and data fingerprints: its key) are those recorded when it
 * last finished is reused, not rerun; so a second run of the same file does no model work, and a run
 * killed midway redoes only the steps that had not finished (each job replaces whole partitions, so the
 * redone step leaves no duplicate rows). A step that cannot run in this build is reported "not available"
 * and the steps that need it are skipped: nothing is faked. Progress goes to {@code progress}, one line
 * per step as it starts and as it ends.
 */
public final class ExperimentRunner {
    private static final Logger LOG = LogManager.getLogger(ExperimentRunner.class);

    /** How one step went: ran, reused, not-available; {@code key} hashes its inputs (null when not available). */
    public record StepOutcome(String step, String status, String key, double seconds, String detail) {}

    /** What a run did; {@code report} is the report page when the report step ran or was reused, else null. */
    public record Summary(String experiment, String root, String started, List<StepOutcome> steps, String report,
                          String configHash) {
        public boolean complete() {
            return steps.stream().allMatch(s -> !s.status().equals(NOT_AVAILABLE));
        }

        public long count(String status) {
            return steps.stream().filter(s -> s.status().equals(status)).count();
        }
    }

    public static final String RAN = "ran";
    public static final String REUSED = "reused";
    public static final String NOT_AVAILABLE = "not-available";

    private ExperimentRunner() {}

    /** Runs (or reuses) every step; throws {@link ExperimentBusy} when the experiment is already running under this root. */
    public static Summary run(SparkSession spark, ExperimentFile file, String root, PrintStream progress) {
        return run(spark, file, root, progress, ExperimentPlan.of(file.config()));
    }

    /** As above with a given plan (tests run steps of their own). */
    static Summary run(SparkSession spark, ExperimentFile file, String root, PrintStream progress, List<Step> plan) {
        String experiment = file.config().experiment();
        try (RunLock ignored = RunLock.acquire(RunLock.experimentLockFile(root, experiment),
                "experiment " + experiment + " under " + root)) {
            return runLocked(spark, file, root, progress, plan);
        }
    }

    private static Summary runLocked(SparkSession spark, ExperimentFile file, String root, PrintStream progress, List<Step> plan) {
        String started = Instant.now().truncatedTo(ChronoUnit.MILLIS).toString();
        StepContext ctx = new StepContext(spark, file, root);
        ExperimentFolder folder = new ExperimentFolder(ctx.root, ctx.config.experiment(), spark.sparkContext().hadoopConfiguration());
        folder.writeConfig(file.text());
        List<StepOutcome> outcomes = new ArrayList<>();
        String report = null;
        for (int i = 0; i < plan.size(); i++) {
            Step step = plan.get(i);
            String tag = String.format(Locale.ROOT, "[%s %d/%d] %s", ctx.config.experiment(), i + 1, plan.size(), step.id());
            StepOutcome o = runStep(ctx, folder, step, tag, progress);
            outcomes.add(o);
            if (step instanceof ReportStep && !o.status().equals(NOT_AVAILABLE)) {
                report = ctx.output(ReportStep.ID, "index");
            }
        }
        folder.writeLineage(lineage(ctx));
        Summary s = new Summary(ctx.config.experiment(), ctx.root, started, outcomes, report, Hashes.of(file.text()));
        folder.writeRun(started, s);
        return s;
    }

    private static StepOutcome runStep(StepContext ctx, ExperimentFolder folder, Step step, String tag, PrintStream progress) {
        long t0 = System.nanoTime();
        String key = null;
        try {
            key = Hashes.of(step.id() + "|" + step.key(ctx));
            var done = folder.record(step.id());
            if (done.isPresent() && done.get().key().equals(key) && step.stillThere(ctx, done.get().outputs())) {
                ctx.finished(step.id(), key, done.get().outputs());
                progress.printf("%s: reused (same inputs, finished %s)%n", tag, done.get().finished());
                return new StepOutcome(step.id(), REUSED, key, seconds(t0), done.get().finished());
            }
            progress.printf("%s: %s ...%n", tag, step.describe());
            folder.deleteRecord(step.id());  // the old result is being replaced: no record until the new one is whole
            Map<String, String> out = step.run(ctx);
            double secs = seconds(t0);
            folder.writeRecord(new StepRecord(step.id(), key, out, Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(), secs));
            ctx.finished(step.id(), key, out);
            progress.printf(Locale.ROOT, "%s: done in %.1f s%n", tag, secs);
            return new StepOutcome(step.id(), RAN, key, secs, summary(out));
        } catch (StepUnavailable e) {
            progress.printf("%s: NOT AVAILABLE: %s%n", tag, e.getMessage());
            LOG.warn("{}: not available: {}", step.id(), e.getMessage());
            return new StepOutcome(step.id(), NOT_AVAILABLE, null, seconds(t0), e.getMessage());
        }
    }

    /** Every checkpoint each stage generated with: path, fingerprint, parent stage, datasets it was trained on. */
    private static Map<String, Object> lineage(StepContext ctx) {
        Map<String, Object> stages = new LinkedHashMap<>();
        for (ExperimentConfig.Stage s : ctx.config.stages()) {
            Map<String, Object> roles = new LinkedHashMap<>();
            for (String role : List.of("main", "assistant")) {
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("parent_stage", ctx.parentOf(s.name()));
                r.put("trained_on", role.equals("main") ? s.main() : s.assistant());
                try {
                    StepContext.Model m = ctx.model(s.name(), role);
                    r.put("path", m.path());
                    r.put("fingerprint", m.fingerprint());
                } catch (StepUnavailable e) {
                    r.put("missing", e.getMessage());
                }
                roles.put(role, r);
            }
            stages.put(s.name(), roles);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("experiment", ctx.config.experiment());
        out.put("stages", stages);
        return out;
    }

    private static String summary(Map<String, String> out) {
        return out.entrySet().stream().filter(e -> !e.getKey().endsWith("fingerprint"))
                .map(e -> e.getKey() + "=" + e.getValue()).reduce((a, b) -> a + ", " + b).orElse("");
    }

    private static double seconds(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }
}
