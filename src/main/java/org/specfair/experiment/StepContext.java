package org.specfair.experiment;

import org.specfair.checkpoint.LocalCopy;
import org.specfair.checkpoint.Checkpoint;
import org.specfair.prompts.Prompt;
import org.specfair.prompts.PromptColumns;
import org.specfair.prompts.PromptFormat;
import org.specfair.prompts.PromptSource;

import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** What steps read while an experiment runs: the session, the file, the root and earlier steps' outputs. */
final class StepContext {
    final SparkSession spark;
    final ExperimentFile file;
    final ExperimentConfig config;
    final String root;

    private final Map<String, Map<String, String>> outputs = new HashMap<>();
    private final Map<String, String> unavailable = new HashMap<>();
    private final Map<String, String> fingerprints = new HashMap<>();
    private List<Prompt> prompts;

    StepContext(SparkSession spark, ExperimentFile file, String root) {
        this.spark = spark;
        this.file = file;
        this.config = file.config();
        this.root = root.replaceAll("/+$", "");
    }

    private final Map<String, String> keys = new HashMap<>();

    void finished(String stepId, String key, Map<String, String> out) {
        outputs.put(stepId, out);
        keys.put(stepId, key);
    }

    /** The key an earlier step ran (or was reused) with: later steps fold it into theirs. */
    String keyOf(String stepId) {
        String k = keys.get(stepId);
        if (k == null) {
            throw new StepUnavailable("needs " + stepId + " (" + unavailable.getOrDefault(stepId, "did not run") + ")");
        }
        return k;
    }

    /** As {@link #keyOf}, or {@code none} when that step did not finish. */
    String keyIfDone(String stepId) {
        return keys.getOrDefault(stepId, "none");
    }

    /** Where a dataset's text is: its file, or the counterfactual copy an earlier step wrote. */
    String datasetLocation(String name) {
        ExperimentConfig.Dataset d = config.datasets().get(name);
        return d.path() != null ? d.path() : output(CounterfactualStep.id(name), "path");
    }

    /** A dataset's content fingerprint (its file's bytes, or the counterfactual copy's). */
    String datasetFingerprint(String name) {
        ExperimentConfig.Dataset d = config.datasets().get(name);
        return d.path() != null ? contentFingerprint(d.path()) : output(CounterfactualStep.id(name), "fingerprint");
    }

    void unavailable(String stepId, String reason) {
        unavailable.put(stepId, reason);
    }

    /** An output of an earlier step; {@link StepUnavailable} when that step could not run. */
    String output(String stepId, String name) {
        Map<String, String> out = outputs.get(stepId);
        if (out == null) {
            String why = unavailable.getOrDefault(stepId, "did not run");
            throw new StepUnavailable("needs " + stepId + " (" + why + ")");
        }
        String v = out.get(name);
        if (v == null) {
            throw new IllegalStateException(stepId + " recorded no '" + name + "'");
        }
        return v;
    }

    /** A model checkpoint as a stage sees it. */
    record Model(String path, String fingerprint) {}

    /**
     * The checkpoint a stage generates with for a role (main or assistant): its own finetuned one when the
     * stage trains that role, else its parent stage's, else the starting pair (made by the demo step or given).
     */
    Model model(String stage, String role) {
        ExperimentConfig.Stage s = stage(stage);
        List<String> datasets = role.equals("main") ? s.main() : s.assistant();
        if (!datasets.isEmpty()) {
            String step = FinetuneStep.id(stage, role);
            return new Model(output(step, "path"), output(step, "fingerprint"));
        }
        String parent = parentOf(stage);
        if (parent != null) {
            return model(parent, role);
        }
        return startingModel(role);
    }

    /** The starting pair's checkpoint for a role (null path for a missing assistant). */
    Model startingModel(String role) {
        if ("demo".equals(config.models().make())) {
            return new Model(output(DemoPairStep.ID, role), output(DemoPairStep.ID, role + "_fingerprint"));
        }
        String path = role.equals("main") ? config.models().main() : config.models().assistant();
        return path == null ? new Model(null, null) : new Model(path, fingerprint(path));
    }

    /** The parent of a stage: named, or the stage before it; null for the first. */
    String parentOf(String stage) {
        List<ExperimentConfig.Stage> stages = config.stages();
        for (int i = 0; i < stages.size(); i++) {
            if (stages.get(i).name().equals(stage)) {
                return stages.get(i).parent() != null ? stages.get(i).parent() : i == 0 ? null : stages.get(i - 1).name();
            }
        }
        throw new IllegalArgumentException("no stage " + stage);
    }

    ExperimentConfig.Stage stage(String name) {
        return config.stages().stream().filter(s -> s.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no stage " + name));
    }

    /** A checkpoint's fingerprint (config + weights), computed once per run and path. */
    String fingerprint(String checkpoint) {
        return fingerprints.computeIfAbsent(checkpoint, p ->
                Checkpoint.open(LocalCopy.of(p, spark.sparkContext().hadoopConfiguration())).fingerprint());
    }

    /**
     * A file or folder's content fingerprint: SHA-256 over the bytes of every file in it (names included,
     * hidden files skipped), through Hadoop, so any URI works.
     */
    String contentFingerprint(String location) {
        return fingerprints.computeIfAbsent("content:" + location, cacheKey -> {
            String l = location;
            try {
                org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(l);
                FileSystem fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
                List<FileStatus> files = new ArrayList<>();
                RemoteIterator<LocatedFileStatus> it = fs.listFiles(p, true);
                while (it.hasNext()) {
                    LocatedFileStatus s = it.next();
                    String name = s.getPath().getName();
                    if (!name.startsWith(".") && !name.startsWith("_")) {
                        files.add(s);
                    }
                }
                files.sort(null);
                MessageDigest sha = Hashes.sha256();
                byte[] buf = new byte[1 << 20];
                for (FileStatus s : files) {
                    sha.update(s.getPath().getName().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                    try (InputStream in = fs.open(s.getPath())) {
                        for (int n; (n = in.read(buf)) > 0; ) {
                            sha.update(buf, 0, n);
                        }
                    }
                }
                return Hashes.hex(sha.digest());
            } catch (IOException e) {
                throw new UncheckedIOException(l + ": cannot read (" + e.getMessage() + ")", e);
            }
        });
    }

    /** The experiment's prompts, loaded once (the same at every stage). */
    List<Prompt> prompts() {
        if (prompts == null) {
            ExperimentConfig.Prompts p = config.prompts();
            ExperimentConfig.Columns c = p.columns();
            PromptColumns cols = new PromptColumns(c.id(), c.text(), c.group(), c.identity(), c.template());
            PromptFormat format = p.format() != null ? PromptFormat.parse(p.format()) : PromptFormat.ofFileName(p.files().get(0));
            prompts = format == PromptFormat.PARQUET
                    ? PromptSource.loadParquet(p.files(), cols, spark)
                    : PromptSource.load(p.files().stream().map(Path::of).toList(), format.cliName(), cols, p.honestSet(), spark);
        }
        return prompts;
    }
}
