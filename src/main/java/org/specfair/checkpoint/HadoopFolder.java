package org.specfair.checkpoint;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.UUID;

/**
 * A folder written through the Hadoop FileSystem API ({@code hdfs://}, {@code s3a://}, {@code file://} ...):
 * the writer's side of {@link LocalCopy}. A folder is built on local disk first, then {@link #publish published}:
 * copied to a hidden temporary path beside the target and renamed into place, so a reader never sees half a
 * folder and a failed copy leaves no target. (On HDFS and local file systems the rename is atomic; on object
 * stores such as S3A a rename is a copy, so readers there should wait for the writer to finish.)
 */
public final class HadoopFolder {
    private HadoopFolder() {}

    /** Whether {@code location} is a URI with a file-system scheme (not a plain local path or a Windows drive). */
    public static boolean isUri(String location) {
        String scheme = URI.create(location.replace(" ", "%20")).getScheme();
        return scheme != null && scheme.length() > 1;
    }

    /** The folder beside {@code uri} named {@code uri}'s name + {@code suffix} (e.g. a run's {@code OUT.resume}). */
    public static String sibling(String uri, String suffix) {
        org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(uri);
        return new org.apache.hadoop.fs.Path(p.getParent(), p.getName() + suffix).toString();
    }

    /** What is at {@code uri} now: nothing, a file, an empty folder, a checkpoint (has config.json) or another folder. */
    public enum Found { NOTHING, FILE, EMPTY_FOLDER, CHECKPOINT, OTHER_FOLDER }

    public static Found find(String uri, Configuration hadoop) {
        try {
            org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(uri);
            FileSystem fs = p.getFileSystem(hadoop);
            if (!fs.exists(p)) {
                return Found.NOTHING;
            }
            if (fs.getFileStatus(p).isFile()) {
                return Found.FILE;
            }
            if (fs.exists(new org.apache.hadoop.fs.Path(p, "config.json"))) {
                return Found.CHECKPOINT;
            }
            return fs.listStatus(p).length == 0 ? Found.EMPTY_FOLDER : Found.OTHER_FOLDER;
        } catch (IOException e) {
            throw new UncheckedIOException(uri + ": " + e.getMessage(), e);
        }
    }

    /**
     * Copies the local folder {@code local} to {@code uri}, replacing what is there: copy to a hidden sibling,
     * move an existing target aside, rename the copy into place, delete the old one. On failure the temporary
     * copy is deleted and the target is as it was.
     */
    public static void publish(Path local, String uri, Configuration hadoop) {
        org.apache.hadoop.fs.Path target = new org.apache.hadoop.fs.Path(uri);
        org.apache.hadoop.fs.Path tmp = new org.apache.hadoop.fs.Path(target.getParent(),
                "." + target.getName() + ".parts-" + UUID.randomUUID());
        org.apache.hadoop.fs.Path old = new org.apache.hadoop.fs.Path(target.getParent(),
                "." + target.getName() + ".old-" + UUID.randomUUID());
        FileSystem fs = null;
        try {
            fs = target.getFileSystem(hadoop);
            fs.mkdirs(target.getParent());
            fs.mkdirs(tmp);
            try (var files = Files.list(local)) {
                for (Path f : files.sorted().toList()) {
                    try (var in = Files.newInputStream(f);
                         var out = fs.create(new org.apache.hadoop.fs.Path(tmp, f.getFileName().toString()), false)) {
                        in.transferTo(out);
                    }
                }
            }
            boolean replacing = fs.exists(target);
            if (replacing && !fs.rename(target, old)) {
                throw new IOException("cannot move the previous " + target + " aside");
            }
            if (!fs.rename(tmp, target)) {
                if (replacing) {
                    fs.rename(old, target);
                }
                throw new IOException("cannot rename " + tmp + " to " + target);
            }
            if (replacing) {
                fs.delete(old, true);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(uri + ": cannot write: " + e.getMessage(), e);
        } finally {
            deleteQuietly(fs, tmp);
        }
    }

    /** Copies the folder at {@code uri} into the local folder {@code local} (created); false when there is none. */
    public static boolean fetch(String uri, Path local, Configuration hadoop) {
        try {
            org.apache.hadoop.fs.Path src = new org.apache.hadoop.fs.Path(uri);
            FileSystem fs = src.getFileSystem(hadoop);
            if (!fs.exists(src)) {
                return false;
            }
            Files.createDirectories(local);
            for (FileStatus f : fs.listStatus(src)) {
                if (f.isFile()) {
                    try (var in = fs.open(f.getPath())) {
                        Files.copy(in, local.resolve(f.getPath().getName()), StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            }
            return true;
        } catch (IOException e) {
            throw new UncheckedIOException(uri + ": cannot read: " + e.getMessage(), e);
        }
    }

    /** Deletes the folder at {@code uri} (nothing when there is none). */
    public static void delete(String uri, Configuration hadoop) {
        org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(uri);
        try {
            p.getFileSystem(hadoop).delete(p, true);
        } catch (IOException e) {
            throw new UncheckedIOException(uri + ": cannot delete: " + e.getMessage(), e);
        }
    }

    private static void deleteQuietly(FileSystem fs, org.apache.hadoop.fs.Path p) {
        try {
            if (fs != null && fs.exists(p)) {
                fs.delete(p, true);
            }
        } catch (IOException ignored) {
            // best effort: a hidden leftover beside the target, never the target itself
        }
    }
}
