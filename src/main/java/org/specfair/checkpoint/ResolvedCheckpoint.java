package org.specfair.checkpoint;

import org.specfair.tokenizer.TextTokenizer;

import org.apache.hadoop.conf.Configuration;

import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * A checkpoint resolved once, on the driver: URI -> fresh local copy ({@link LocalCopy}) -> config,
 * weight fingerprint, tokenizer fingerprint and vocabulary. It is small and serialisable, so a job ships
 * it to its tasks; a task gets its own local copy with {@link #open} and fails when the weights it finds
 * are not the ones the run was resolved with (a checkpoint rewritten while the job ran).
 *
 * <p>Every job that loads models (generation, judges, finetuning) resolves them this way and puts
 * {@link #fingerprint()} (and {@link #tokenizerFingerprint()}) into its provenance.
 */
public final class ResolvedCheckpoint implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Files that define how text becomes ids (any of them changing changes the rows). */
    static final List<String> TOKENIZER_FILES = List.of("tokenizer.json", "vocab.json", "merges.txt",
            "tokenizer_config.json", "special_tokens_map.json", "added_tokens.json");

    private final String uri;
    private final String fingerprint;
    private final String tokenizerFingerprint;
    private final String modelType;
    private final int vocabSize;
    private final String torchDtype;
    /** The driver's local copy (not shipped: an executor's disk is not the driver's). */
    private final transient Path localDir;
    private final transient Checkpoint checkpoint;

    private ResolvedCheckpoint(String uri, Path localDir, Checkpoint checkpoint, String tokenizerFingerprint) {
        this.uri = uri;
        this.localDir = localDir;
        this.checkpoint = checkpoint;
        this.fingerprint = checkpoint.fingerprint();
        this.tokenizerFingerprint = tokenizerFingerprint;
        this.modelType = checkpoint.config().modelType();
        this.vocabSize = checkpoint.config().vocabSize();
        this.torchDtype = checkpoint.config().torchDtype();
    }

    /** Copies (when remote), opens and fingerprints the checkpoint at {@code uri}. */
    public static ResolvedCheckpoint resolve(String uri, Configuration hadoop) {
        Path local = LocalCopy.of(uri, hadoop);
        // A relative local path means the driver's working directory; executors run elsewhere (their own work dirs).
        String where = LocalCopy.isLocal(uri) ? local.toAbsolutePath().toString() : uri;
        return new ResolvedCheckpoint(where, local, Checkpoint.open(local), tokenizerFingerprint(local));
    }

    /**
     * This JVM's local copy, opened and checked against the run's fingerprint: a task that finds other
     * weights than the driver resolved fails instead of writing rows under a run id that does not describe them.
     */
    public Checkpoint open(Configuration hadoop) {
        if (checkpoint != null) {
            return checkpoint;
        }
        Path local = LocalCopy.of(uri, hadoop);
        Checkpoint here = Checkpoint.open(local);
        String found = here.fingerprint();
        if (!found.equals(fingerprint)) {
            throw new CheckpointException(uri + ": checkpoint changed since the run was resolved (this executor reads "
                    + found + " at " + local + ", the run uses " + fingerprint + "); rerun the job");
        }
        return here;
    }

    /** The tokenizer of the checkpoint (null when the folder has none), from a checked local copy. */
    public TextTokenizer tokenizer(Configuration hadoop) {
        Path dir = open(hadoop).dir();
        return TextTokenizer.exists(dir) ? TextTokenizer.load(dir) : null;
    }

    /** Where tasks find the checkpoint: the URI as given, or a local path made absolute. */
    public String uri() {
        return uri;
    }

    /** {@code sha256:} + 16 hex of config.json and the weight files (see {@link Checkpoint#fingerprint()}). */
    public String fingerprint() {
        return fingerprint;
    }

    /** {@code sha256:} + 16 hex of the tokenizer files, or null when the folder has no tokenizer. */
    public String tokenizerFingerprint() {
        return tokenizerFingerprint;
    }

    public String modelType() {
        return modelType;
    }

    public int vocabSize() {
        return vocabSize;
    }

    /** The dtype the checkpoint was saved in (config.json's torch_dtype). */
    public String torchDtype() {
        return torchDtype;
    }

    /** The driver's local folder (null after deserialisation: executors use {@link #open}). */
    public Path localDir() {
        return localDir;
    }

    @Override
    public String toString() {
        return uri + " (" + modelType + ", " + fingerprint + ")";
    }

    static String tokenizerFingerprint(Path dir) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            boolean any = false;
            byte[] buf = new byte[1 << 16];
            for (String name : TOKENIZER_FILES) {
                Path f = dir.resolve(name);
                if (!Files.isRegularFile(f)) {
                    continue;
                }
                any = true;
                sha.update(name.getBytes(StandardCharsets.UTF_8));
                try (InputStream in = Files.newInputStream(f)) {
                    for (int n; (n = in.read(buf)) > 0; ) {
                        sha.update(buf, 0, n);
                    }
                }
            }
            return any ? "sha256:" + HexFormat.of().formatHex(sha.digest()).substring(0, 16) : null;
        } catch (IOException | NoSuchAlgorithmException e) {
            throw new CheckpointException(dir + ": cannot fingerprint the tokenizer: " + e.getMessage(), e);
        }
    }
}
