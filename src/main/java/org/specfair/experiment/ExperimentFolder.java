package org.specfair.experiment;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What an experiment keeps under its table root besides the tables: {@code ROOT/_experiments/NAME/}
 * <pre>
 *   experiment.yaml      the experiment file of the last run, verbatim
 *   lineage.json         every checkpoint of every stage: path, fingerprint, parent, datasets, settings
 *   steps/STEP.json      done records ({@link StepRecord}): the runner skips a step whose key matches
 *   runs/TIME.json       one summary per run (what ran, what was reused); nightly compares the last two
 * </pre>
 * Files go through the Hadoop FileSystem API, so ROOT may be local, hdfs:// or s3a://. Each file is
 * written to a temporary name and renamed, so a reader never sees half a record.
 */
final class ExperimentFolder {
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

    private final Path dir;
    private final FileSystem fs;

    ExperimentFolder(String root, String experiment, Configuration hadoop) {
        this(root.replaceAll("/+$", "") + "/_experiments/" + experiment, hadoop);
    }

    /** A folder of the same kind anywhere (nightly keeps its snapshots in {@code ROOT/_nightly/FILE-STEM}). */
    ExperimentFolder(String dir, Configuration hadoop) {
        this.dir = new Path(dir);
        try {
            this.fs = this.dir.getFileSystem(hadoop);
        } catch (IOException e) {
            throw new UncheckedIOException(dir + ": " + e.getMessage(), e);
        }
    }

    Path dir() {
        return dir;
    }

    Optional<StepRecord> record(String stepId) {
        return readJson(new Path(dir, "steps/" + fileName(stepId) + ".json"), StepRecord.class);
    }

    void writeRecord(StepRecord r) {
        write(new Path(dir, "steps/" + fileName(r.step()) + ".json"), json(r));
    }

    void deleteRecord(String stepId) {
        try {
            fs.delete(new Path(dir, "steps/" + fileName(stepId) + ".json"), false);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void writeConfig(String text) {
        write(new Path(dir, "experiment.yaml"), text);
    }

    void writeLineage(Object lineage) {
        write(new Path(dir, "lineage.json"), json(lineage));
    }

    /** One file per run; two runs within the same clock tick get distinct names (-2, -3, ...), never overwrite. */
    void writeRun(String time, Object summary) {
        String base = "runs/" + time.replace(':', '-');
        try {
            Path p = new Path(dir, base + ".json");
            for (int n = 2; fs.exists(p); n++) {
                p = new Path(dir, base + "-" + n + ".json");
            }
            write(p, json(summary));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Run summaries, oldest first (names are UTC timestamps, so name order is time order). */
    List<Path> runs() {
        List<Path> out = new ArrayList<>();
        try {
            Path runs = new Path(dir, "runs");
            if (fs.exists(runs)) {
                for (FileStatus s : fs.listStatus(runs)) {
                    if (s.getPath().getName().endsWith(".json")) {
                        out.add(s.getPath());
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        out.sort(null);
        return out;
    }

    <T> Optional<T> readJson(Path p, Class<T> type) {
        try {
            if (!fs.exists(p)) {
                return Optional.empty();
            }
            try (InputStream in = fs.open(p)) {
                return Optional.of(JSON.readValue(in, type));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(p + ": unreadable (" + e.getMessage() + ")", e);
        }
    }

    static String json(Object o) {
        try {
            return JSON.writeValueAsString(o);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void write(Path target, String text) {
        Path tmp = new Path(target.getParent(), "." + target.getName() + ".tmp");
        try {
            fs.mkdirs(target.getParent());
            try (FSDataOutputStream out = fs.create(tmp, true)) {
                out.write(text.getBytes(StandardCharsets.UTF_8));
            }
            fs.delete(target, false);  // HDFS rename does not replace
            if (!fs.rename(tmp, target)) {
                throw new IOException("rename " + tmp + " -> " + target + " failed");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(target + ": cannot write (" + e.getMessage() + ")", e);
        }
    }

    static String fileName(String stepId) {
        return stepId.replace('/', '~');
    }
}
