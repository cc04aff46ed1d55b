package org.specfair.checkpoint;

import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Publishing a local folder to a Hadoop URI (file:// through Hadoop's local file systems): complete or absent. */
class HadoopFolderTest {
    /** Hadoop's default local file system (checksummed: writes .crc files beside each file) and its raw one. */
    static List<Configuration> fileSystems() {
        Configuration raw = new Configuration();
        raw.set("fs.file.impl", "org.apache.hadoop.fs.RawLocalFileSystem");
        raw.setBoolean("fs.file.impl.disable.cache", true);
        return List.of(new Configuration(), raw);
    }

    static Path folder(Path dir, String... namesAndContents) throws Exception {
        Files.createDirectories(dir);
        for (int i = 0; i < namesAndContents.length; i += 2) {
            Files.writeString(dir.resolve(namesAndContents[i]), namesAndContents[i + 1]);
        }
        return dir;
    }

    static List<String> visible(Path dir) throws Exception {
        try (var s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> !n.endsWith(".crc")).sorted().toList();
        }
    }

    @Test
    void aPublishedFolderIsCompleteAndReplacesThePreviousOne(@TempDir Path tmp) throws Exception {
        for (Configuration conf : fileSystems()) {
            Path remote = Files.createTempDirectory(tmp, "remote");
            String uri = remote.resolve("out").toUri().toString();
            assertTrue(uri.startsWith("file:/"), uri);
            assertTrue(HadoopFolder.isUri(uri));
            assertEquals(HadoopFolder.Found.NOTHING, HadoopFolder.find(uri, conf));
            HadoopFolder.publish(folder(tmp.resolve("a" + remote.getFileName()), "config.json", "{}", "model.safetensors", "weights-1"), uri, conf);
            assertEquals(HadoopFolder.Found.CHECKPOINT, HadoopFolder.find(uri, conf));
            assertEquals(List.of("config.json", "model.safetensors"), visible(remote.resolve("out")));
            assertEquals("weights-1", Files.readString(remote.resolve("out/model.safetensors")));

            HadoopFolder.publish(folder(tmp.resolve("b" + remote.getFileName()), "config.json", "{}", "model.safetensors", "weights-2"), uri, conf);
            assertEquals("weights-2", Files.readString(remote.resolve("out/model.safetensors")));
            assertEquals(List.of("out"), visible(remote), "no temporary or old copies left beside the target");

            Path back = tmp.resolve("back" + remote.getFileName());
            assertTrue(HadoopFolder.fetch(uri, back, conf));
            assertEquals(List.of("config.json", "model.safetensors"), visible(back));
            assertArrayEquals(Files.readAllBytes(remote.resolve("out/model.safetensors")), Files.readAllBytes(back.resolve("model.safetensors")));
            assertFalse(HadoopFolder.fetch(uri + "-missing", tmp.resolve("none"), conf));

            HadoopFolder.delete(uri, conf);
            assertEquals(HadoopFolder.Found.NOTHING, HadoopFolder.find(uri, conf));
        }
    }

    @Test
    void aFailedCopyLeavesNoTargetAndKeepsAPreviousOne(@TempDir Path tmp) throws Exception {
        for (Configuration conf : fileSystems()) {
            Path remote = Files.createTempDirectory(tmp, "remote");
            String uri = remote.resolve("out").toUri().toString();
            // A file that vanished between listing and copying: a dangling link, copied after the others (names sort).
            Path broken = folder(Files.createTempDirectory(tmp, "broken"), "config.json", "{}", "model.safetensors", "new");
            Files.createSymbolicLink(broken.resolve("zz-tokenizer.json"), tmp.resolve("does-not-exist"));
            UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> HadoopFolder.publish(broken, uri, conf));
            assertTrue(e.getMessage().startsWith(uri + ": cannot write"), e.getMessage());
            assertEquals(List.of(), visible(remote), "no target and no partial copy");

            HadoopFolder.publish(folder(Files.createTempDirectory(tmp, "good"), "config.json", "{}", "model.safetensors", "old"), uri, conf);
            assertThrows(UncheckedIOException.class, () -> HadoopFolder.publish(broken, uri, conf));
            assertEquals("old", Files.readString(remote.resolve("out/model.safetensors")), "the previous folder is untouched");
            assertEquals(List.of("out"), visible(remote));
        }
    }

    @Test
    void plainPathsAreNotUris() {
        assertFalse(HadoopFolder.isUri("/data/out"));
        assertFalse(HadoopFolder.isUri("relative/out"));
        assertTrue(HadoopFolder.isUri("hdfs://nn:8020/models/out"));
        assertTrue(HadoopFolder.isUri("s3a://bucket/models/out"));
        assertEquals("hdfs://nn:8020/models/out.resume", HadoopFolder.sibling("hdfs://nn:8020/models/out", ".resume"));
    }
}
