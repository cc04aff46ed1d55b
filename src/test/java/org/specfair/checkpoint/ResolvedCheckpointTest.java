package org.specfair.checkpoint;

import org.specfair.lm.Golden;
import org.specfair.spark.ExecutorModels;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A checkpoint is resolved once (copy, config, fingerprints) into a serialisable value; remote folders get
 * a fresh local copy per version; a task that finds other weights than the run's fails; loads are cached per JVM.
 */
class ResolvedCheckpointTest {
    static Path copyOf(Path dir, Path to) throws IOException {
        Files.createDirectories(to);
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) {
                Files.copy(f, to.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        return to;
    }

    @SuppressWarnings("unchecked")
    static <T> T roundTrip(T value) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(value);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            return (T) in.readObject();
        }
    }

    @Test
    void remoteFoldersAreCopiedOncePerVersion(@TempDir Path tmp) throws Exception {
        System.setProperty("specfair.model.cache", tmp.resolve("cache").toString());
        try {
            Path remote = copyOf(Golden.dir("neo-draft-tiny"), tmp.resolve("remote/neo"));
            String uri = "remotefs://" + remote.toAbsolutePath();
            ResolvedCheckpoint first = ResolvedCheckpoint.resolve(uri, RemoteFs.conf());
            Path local = first.localDir();
            assertNotEquals(remote, local);
            assertEquals(Checkpoint.open(remote).fingerprint(), first.fingerprint());
            assertEquals(local, LocalCopy.of(uri, RemoteFs.conf()), "same version: same copy");

            // The checkpoint is rewritten at the same URI: a fresh copy, a new fingerprint (used to trust a .copied marker forever).
            Path weights = remote.resolve("model.safetensors");
            byte[] bytes = Files.readAllBytes(weights);
            bytes[bytes.length - 1] ^= 0x55;
            Files.write(weights, bytes);
            Files.setLastModifiedTime(weights, FileTime.fromMillis(System.currentTimeMillis() + 5000));
            ResolvedCheckpoint second = ResolvedCheckpoint.resolve(uri, RemoteFs.conf());
            assertNotEquals(local, second.localDir());
            assertNotEquals(first.fingerprint(), second.fingerprint());

            // A task holding the first resolution sees the new weights on its executor: it fails, naming both fingerprints.
            ResolvedCheckpoint shipped = roundTrip(first);
            assertNull(shipped.localDir());
            CheckpointException e = assertThrows(CheckpointException.class, () -> shipped.open(RemoteFs.conf()));
            assertTrue(e.getMessage().contains(first.fingerprint()) && e.getMessage().contains(second.fingerprint()), e.getMessage());
            assertEquals(second.fingerprint(), roundTrip(second).open(RemoteFs.conf()).fingerprint());
        } finally {
            System.clearProperty("specfair.model.cache");
        }
    }

    @Test
    void concurrentCopiesLeaveOneCompleteFolder(@TempDir Path tmp) throws Exception {
        System.setProperty("specfair.model.cache", tmp.resolve("cache").toString());
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            Path remote = copyOf(Golden.dir("neo-main-tiny"), tmp.resolve("remote/main"));
            String uri = "remotefs://" + remote.toAbsolutePath();
            List<Future<Path>> copies = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                copies.add(pool.submit(() -> LocalCopy.of(uri, RemoteFs.conf())));
            }
            Path first = copies.get(0).get();
            for (Future<Path> f : copies) {
                assertEquals(first, f.get());
            }
            try (var left = Files.list(tmp.resolve("cache"))) {
                assertEquals(List.of(first), left.toList(), "no temporary folders left behind");
            }
            assertEquals(Checkpoint.open(remote).fingerprint(), Checkpoint.open(first).fingerprint());
        } finally {
            pool.shutdownNow();
            System.clearProperty("specfair.model.cache");
        }
    }

    @Test
    void tokenizerFilesHaveTheirOwnFingerprint(@TempDir Path tmp) throws IOException {
        Path dir = copyOf(Golden.dir("neo-draft-tiny"), tmp.resolve("neo"));
        assertNull(ResolvedCheckpoint.resolve(dir.toString(), RemoteFs.conf()).tokenizerFingerprint());
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"add_bos_token\": false}");
        String a = ResolvedCheckpoint.resolve(dir.toString(), RemoteFs.conf()).tokenizerFingerprint();
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"add_bos_token\": true}");
        String b = ResolvedCheckpoint.resolve(dir.toString(), RemoteFs.conf()).tokenizerFingerprint();
        assertTrue(a.startsWith("sha256:"));
        assertNotEquals(a, b);
    }

    @Test
    void plainPathsAreUsedInPlaceAndLoadsAreCached() throws Exception {
        Path golden = Golden.dir("neo-main-tiny");
        ResolvedCheckpoint ckpt = ResolvedCheckpoint.resolve(golden.toString(), RemoteFs.conf());
        assertEquals(golden, ckpt.localDir());
        // A relative path is the driver's: executors (other working directories) get it made absolute.
        String relative = Path.of("").toAbsolutePath().relativize(golden.toAbsolutePath()).toString();
        assertEquals(golden.toAbsolutePath().toString(), ResolvedCheckpoint.resolve(relative, RemoteFs.conf()).uri());
        int before = ExecutorModels.loadCount();
        ExecutorModels.Loaded a = ExecutorModels.get(roundTrip(ckpt), "cpu", "float32", RemoteFs.conf(), null);
        ExecutorModels.Loaded b = ExecutorModels.get(roundTrip(ckpt), "cpu", "float32", RemoteFs.conf(), null);
        assertSame(a, b);
        assertTrue(ExecutorModels.loadCount() - before <= 1);
        assertEquals(ckpt.fingerprint(), a.fingerprint());
    }
}
