package org.specfair.checkpoint;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.UUID;

/**
 * A checkpoint folder on local disk: a plain path is used in place; a Hadoop URI ({@code hdfs://},
 * {@code s3a://}, ...) is copied once per version of the remote folder.
 *
 * <p>The local folder's name carries a hash of the remote files' names, sizes and modification times,
 * so a checkpoint rewritten at the same URI gets a fresh copy instead of a stale one. A copy is written
 * to a temporary folder and renamed into place in one step, so JVMs sharing the disk (executors on one
 * node) never see half a copy: whoever renames first wins, the others drop their own copy.
 */
public final class LocalCopy {
    private static final Logger LOG = LogManager.getLogger(LocalCopy.class);

    private LocalCopy() {}

    /** Whether {@code uri} names a local path (no scheme, {@code file:}, or a Windows drive letter). */
    public static boolean isLocal(String uri) {
        String scheme = URI.create(uri.replace(" ", "%20")).getScheme();
        return scheme == null || scheme.equals("file") || scheme.length() == 1;
    }

    /** The local folder holding the current version of the checkpoint at {@code uri}. */
    public static Path of(String uri, Configuration hadoop) {
        URI u = URI.create(uri.replace(" ", "%20"));
        if (isLocal(uri)) {
            return u.getScheme() == null || u.getScheme().length() == 1 ? Path.of(uri) : Path.of(u);
        }
        try {
            org.apache.hadoop.fs.Path remote = new org.apache.hadoop.fs.Path(uri);
            FileSystem fs = FileSystem.get(u, hadoop);
            FileStatus[] files = Arrays.stream(fs.listStatus(remote)).filter(FileStatus::isFile)
                    .sorted(Comparator.comparing(f -> f.getPath().getName())).toArray(FileStatus[]::new);
            Path target = cacheRoot().resolve(versionKey(uri, files) + "-" + remote.getName());
            if (Files.isDirectory(target)) {
                return target;
            }
            Files.createDirectories(target.getParent());
            Path tmp = target.resolveSibling(target.getFileName() + ".tmp-" + UUID.randomUUID());
            Files.createDirectories(tmp);
            try {
                for (FileStatus f : files) {
                    fs.copyToLocalFile(false, f.getPath(),
                            new org.apache.hadoop.fs.Path(tmp.resolve(f.getPath().getName()).toUri()), true);
                }
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
                LOG.info("copied {} to {}", uri, target);
            } catch (FileSystemException raced) { // target exists ("Directory not empty" on Linux)
                if (!Files.isDirectory(target)) {
                    throw raced;
                }
                LOG.info("{}: another process copied it first to {}", uri, target); // same version: same bytes
            } finally {
                deleteTree(tmp);
            }
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException(uri + ": cannot copy checkpoint to local disk: " + e.getMessage(), e);
        }
    }

    /** Where remote checkpoints are copied: {@code specfair.model.cache} or {@code java.io.tmpdir}/specfair-models. */
    static Path cacheRoot() {
        String dir = System.getProperty("specfair.model.cache");
        return dir != null ? Path.of(dir) : Path.of(System.getProperty("java.io.tmpdir"), "specfair-models");
    }

    /** 16 hex digits over the URI and every file's name, size and modification time. */
    static String versionKey(String uri, FileStatus[] files) {
        StringBuilder key = new StringBuilder(uri);
        for (FileStatus f : files) {
            key.append('|').append(f.getPath().getName()).append(':').append(f.getLen()).append(':').append(f.getModificationTime());
        }
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(key.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(h).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
