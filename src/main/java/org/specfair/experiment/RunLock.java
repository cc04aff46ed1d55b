package org.specfair.experiment;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;

/**
 * An OS file lock ({@link FileChannel#tryLock}) that keeps two runs of the same experiment (or two nightly
 * runs) from working at once. The operating system drops the lock when the holding process ends, however
 * it ends (kill -9, crash, power off), so a crashed run never leaves it stuck; the file itself stays and
 * only says who held it last (pid, host, start) for the busy message.
 *
 * <p>The lock is on the machine that runs the driver: two drivers on different machines writing one
 * hdfs:// root are not kept apart (run nightly from one scheduler).
 */
final class RunLock implements AutoCloseable {
    private final FileChannel channel;
    private final FileLock lock;

    private RunLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /** Thrown when another live process holds the lock. */
    static final class Busy extends IllegalStateException {
        Busy(String message) {
            super(message);
        }
    }

    /** Takes the lock at {@code file} for {@code what} (named in messages), or throws {@link Busy} at once. */
    static RunLock acquire(Path file, String what) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;  // this JVM holds it already
            }
            if (lock == null) {
                String holder = Files.readString(file, StandardCharsets.UTF_8).strip();
                ch.close();
                throw new Busy(what + " is already running (" + (holder.isEmpty() ? "holder unknown" : holder)
                        + "; lock " + file + ", released when that process ends)");
            }
            String me = "pid " + ProcessHandle.current().pid() + " on " + host() + " since " + Instant.now();
            ch.truncate(0);
            ch.write(ByteBuffer.wrap(me.getBytes(StandardCharsets.UTF_8)), 0);
            ch.force(false);
            return new RunLock(ch, lock);
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot take the run lock (" + e.getMessage() + ")", e);
        }
    }

    /**
     * The lock of one experiment under a table root: in the root itself when it is a local folder, else in
     * the local temporary folder under a hash of root and name.
     */
    static Path experimentLockFile(String root, String experiment) {
        if (!ExperimentFiles.isRemote(root)) {
            return Path.of(root.replaceFirst("^file:(//)?", "")).resolve("_experiments").resolve(experiment).resolve(".lock");
        }
        return Path.of(System.getProperty("java.io.tmpdir"), "specfair-locks", Hashes.of(root + "|" + experiment) + ".lock");
    }

    private static String host() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "unknown host";
        }
    }

    @Override
    public void close() {
        try {
            lock.release();
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
