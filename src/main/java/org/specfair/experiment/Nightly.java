package org.specfair.experiment;

import org.specfair.tables.TableStore;
import org.specfair.tables.Tables;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import static org.apache.spark.sql.functions.col;

/**
 * Nightly reruns: every experiment file of a list, in order, incrementally ({@link ExperimentRunner} reuses
 * every step whose inputs did not change), all under one table root, then a summary of what changed since
 * the previous night.
 *
 * <p>Safe to start twice: a run lock ({@link RunLock}, freed by the OS when its holder dies) lets only one
 * nightly run per list work, and each experiment holds its own lock too. Safe after a crash: no step record
 * is written before its step finished, and every job replaces whole partitions, so the next run redoes the
 * interrupted step and leaves no duplicate rows. One experiment failing does not stop the others.
 *
 * <p>The comparison: each night writes a snapshot per experiment file to {@code ROOT/_nightly/FILE-STEM/}
 * (which steps ran or were reused with their input keys, generation rows per stage, and the group metrics
 * per stage, group and judge); the summary lists the steps that ran and every metric that moved since the
 * latest earlier snapshot. Keyed by file, so a dated experiment name ({@code nightly-{date}}) compares with
 * yesterday's experiment of the same file.
 */
public final class Nightly {
    /** Group-metric columns compared night to night. */
    static final List<String> METRICS = List.of("mean_ratio", "mean_acceptance_rate", "mean_kl_main_assistant", "toxic_rate");

    /** One experiment file's night. */
    public record Entry(String file, String experiment, String status, String message) {}

    /** What a night leaves behind for the next one to compare with. */
    public record Snapshot(String file, String experiment, String date, String finished, Map<String, String> steps,
                           Map<String, Long> rows, Map<String, Double> metrics) {}

    public static final String COMPLETE = "complete";
    public static final String INCOMPLETE = "incomplete";
    public static final String FAILED = "failed";

    private Nightly() {}

    /** Experiment files named in a list file: one path per line, blank lines and {@code #} comments skipped. */
    public static List<Path> readList(Path list) {
        try {
            List<Path> files = new ArrayList<>();
            List<String> lines = Files.readAllLines(list);
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i).replaceFirst("#.*", "").strip();
                if (!line.isEmpty()) {
                    Path p = Path.of(line);
                    if (!Files.isRegularFile(p)) {
                        throw new IllegalArgumentException(list + ":" + (i + 1) + ": experiment file " + line + " does not exist");
                    }
                    files.add(p);
                }
            }
            if (files.isEmpty()) {
                throw new IllegalArgumentException(list + ": names no experiment file");
            }
            return files;
        } catch (IOException e) {
            throw new IllegalArgumentException(list + ": cannot read the list (" + e.getMessage() + ")");
        }
    }

    /** The lock of a nightly run over a table root (local: in the root; remote: in the temporary folder). */
    static Path lockFile(String root) {
        if (!ExperimentFiles.isRemote(root)) {
            return Path.of(root.replaceFirst("^file:(//)?", "")).resolve("_nightly").resolve(".lock");
        }
        return Path.of(System.getProperty("java.io.tmpdir"), "specfair-locks", Hashes.of(root + "|nightly") + ".lock");
    }

    /**
     * Runs every file; returns one entry per file. Throws {@link ExperimentBusy} when another nightly run over
     * this root is working. {@code progress}: step lines; {@code summary}: the changes, for people.
     */
    public static List<Entry> run(SparkSession spark, List<Path> files, String root, LocalDate date,
                                  PrintStream progress, PrintStream summary) {
        try (RunLock ignored = RunLock.acquire(lockFile(root), "nightly over " + root)) {
            List<Entry> entries = new ArrayList<>();
            for (Path file : files) {
                entries.add(runOne(spark, file, root, date, progress, summary));
            }
            return entries;
        }
    }

    private static Entry runOne(SparkSession spark, Path file, String root, LocalDate date, PrintStream progress, PrintStream summary) {
        String experiment = null;
        try {
            ExperimentFile f = ExperimentFiles.read(file, date);
            experiment = f.config().experiment();
            ExperimentRunner.Summary s = ExperimentRunner.run(spark, f, root, progress);
            Snapshot now = snapshot(spark, file, root, s, date);
            ExperimentFolder state = nightlyFolder(spark, root, file);
            Optional<Snapshot> before = latest(state);
            state.writeRun(now.finished(), now);
            summary.print(describe(now, before.orElse(null), s));
            return new Entry(file.toString(), experiment, s.complete() ? COMPLETE : INCOMPLETE,
                    s.complete() ? "" : s.count(ExperimentRunner.NOT_AVAILABLE) + " steps not available");
        } catch (RuntimeException e) {
            String message = e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("");
            summary.printf("%s: FAILED: %s%n", file, message);
            return new Entry(file.toString(), experiment, FAILED, message);
        }
    }

    /** {@code ROOT/_nightly/FILE-STEM/runs/}: the snapshots of one experiment file. */
    private static ExperimentFolder nightlyFolder(SparkSession spark, String root, Path file) {
        String stem = file.getFileName().toString().replaceFirst("\\.ya?ml$", "");
        return new ExperimentFolder(root.replaceAll("/+$", "") + "/_nightly/" + stem, spark.sparkContext().hadoopConfiguration());
    }

    private static Optional<Snapshot> latest(ExperimentFolder state) {
        List<org.apache.hadoop.fs.Path> runs = state.runs();
        return runs.isEmpty() ? Optional.empty() : state.readJson(runs.get(runs.size() - 1), Snapshot.class);
    }

    static Snapshot snapshot(SparkSession spark, Path file, String root, ExperimentRunner.Summary s, LocalDate date) {
        Map<String, String> steps = new TreeMap<>();
        for (ExperimentRunner.StepOutcome o : s.steps()) {
            steps.put(o.step(), o.status().equals(ExperimentRunner.NOT_AVAILABLE) ? "not-available" : o.key());
        }
        Map<String, Long> rows = new TreeMap<>();
        TableStore.readIfExists(spark, root, Tables.GENERATIONS).ifPresent(g -> {
            for (Row r : g.filter(col("experiment").equalTo(s.experiment())).groupBy("stage").count().collectAsList()) {
                rows.put(Tables.GENERATIONS + "/" + r.getString(0), r.getLong(1));
            }
        });
        Map<String, Double> metrics = new TreeMap<>();
        TableStore.readIfExists(spark, root, Tables.GROUP_METRICS).ifPresent(m -> {
            Dataset<Row> mine = m.filter(col("experiment").equalTo(s.experiment()));
            for (Row r : mine.collectAsList()) {
                String where = r.getAs("stage") + "/" + r.getAs("category") + "/" + (r.getAs("judge") == null ? "-" : r.getAs("judge"));
                for (String metric : METRICS) {
                    Object v = r.getAs(metric);
                    if (v != null) {
                        metrics.put(where + "/" + metric, ((Number) v).doubleValue());
                    }
                }
            }
        });
        return new Snapshot(file.toString(), s.experiment(), date.toString(),
                Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(), steps, rows, metrics);
    }

    /** The night in a few lines: status, the steps that ran, metrics and row counts that moved. */
    static String describe(Snapshot now, Snapshot before, ExperimentRunner.Summary s) {
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "%s (%s): %s; %d steps ran, %d reused, %d not available%n", now.experiment(),
                now.file(), s.complete() ? COMPLETE : INCOMPLETE, s.count(ExperimentRunner.RAN),
                s.count(ExperimentRunner.REUSED), s.count(ExperimentRunner.NOT_AVAILABLE)));
        for (ExperimentRunner.StepOutcome o : s.steps()) {
            if (o.status().equals(ExperimentRunner.RAN)) {
                String why = before == null ? "first night" : !before.steps().containsKey(o.step()) ? "new step"
                        : "inputs changed";
                out.append("  ran ").append(o.step()).append(" (").append(why).append(")\n");
            } else if (o.status().equals(ExperimentRunner.NOT_AVAILABLE)) {
                out.append("  not available ").append(o.step()).append(": ").append(o.detail()).append('\n');
            }
        }
        if (before == null) {
            out.append("  no earlier night to compare with\n");
            return out.toString();
        }
        out.append("  since ").append(before.finished()).append(before.experiment().equals(now.experiment()) ? ""
                : " (experiment " + before.experiment() + ")").append(":\n");
        int changes = 0;
        for (String k : union(before.rows().keySet(), now.rows().keySet())) {
            Long a = before.rows().get(k);
            Long b = now.rows().get(k);
            if (!java.util.Objects.equals(a, b)) {
                out.append("    rows ").append(k).append(": ").append(a == null ? "none" : a).append(" -> ").append(b == null ? "none" : b).append('\n');
                changes++;
            }
        }
        List<String[]> moved = new ArrayList<>();
        for (String k : union(before.metrics().keySet(), now.metrics().keySet())) {
            Double a = before.metrics().get(k);
            Double b = now.metrics().get(k);
            if (a == null || b == null || Math.abs(a - b) > 1e-9) {
                moved.add(new String[] {k, a == null ? "none" : fmt(a), b == null ? "none" : fmt(b),
                        String.valueOf(a == null || b == null ? Double.MAX_VALUE : Math.abs(a - b))});
            }
        }
        moved.sort(Comparator.comparingDouble((String[] m) -> Double.parseDouble(m[3])).reversed());
        for (String[] m : moved.subList(0, Math.min(20, moved.size()))) {
            out.append("    ").append(m[0]).append(": ").append(m[1]).append(" -> ").append(m[2]).append('\n');
        }
        if (moved.size() > 20) {
            out.append("    ... and ").append(moved.size() - 20).append(" more group metrics moved\n");
        }
        changes += moved.size();
        if (changes == 0) {
            out.append("    nothing changed\n");
        }
        return out.toString();
    }

    private static List<String> union(java.util.Set<String> a, java.util.Set<String> b) {
        java.util.TreeSet<String> all = new java.util.TreeSet<>(a);
        all.addAll(b);
        return List.copyOf(all);
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.4f", v);
    }
}
