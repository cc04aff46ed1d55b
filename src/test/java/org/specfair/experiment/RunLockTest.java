package org.specfair.experiment;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The run lock against a real second process: refused while it lives, free the moment it is killed (-9). */
class RunLockTest {
    @TempDir
    Path dir;

    /** Holds the lock at args[0], says so on stdout, and waits to be killed. */
    public static final class Holder {
        public static void main(String[] args) throws InterruptedException {
            RunLock.acquire(Path.of(args[0]), "holder");
            System.out.println("locked");
            System.out.flush();
            Thread.sleep(120_000);
        }
    }

    @Test
    void aKilledHolderLeavesNoStuckLock() throws Exception {
        Path lock = dir.resolve("nightly.lock");
        Process holder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Holder.class.getName(), lock.toString())
                .redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("locked", out.readLine());
            RunLock.Busy busy = assertThrows(RunLock.Busy.class, () -> RunLock.acquire(lock, "nightly"));
            assertTrue(busy.getMessage().startsWith("nightly is already running (pid " + holder.pid() + " on "), busy.getMessage());
        } finally {
            holder.destroyForcibly();
            assertTrue(holder.waitFor(30, TimeUnit.SECONDS));
        }
        try (RunLock mine = RunLock.acquire(lock, "nightly")) {
            assertThrows(RunLock.Busy.class, () -> RunLock.acquire(lock, "nightly"), "held by this JVM now");
        }
        RunLock.acquire(lock, "nightly").close();
    }
}
