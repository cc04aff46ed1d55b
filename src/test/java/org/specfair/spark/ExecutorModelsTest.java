package org.specfair.spark;

import org.specfair.checkpoint.Checkpoint;
import org.specfair.lm.Golden;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

/** Remote checkpoint folders are copied once through the Hadoop FileSystem API; loads are cached per JVM. */
class ExecutorModelsTest {
    /** The local file system under another scheme, standing in for hdfs:// or s3a://. */
    public static final class RemoteFs extends RawLocalFileSystem {
        @Override
        public URI getUri() {
            return URI.create("remotefs:///");
        }

        @Override
        public String getScheme() {
            return "remotefs";
        }

        @Override
        public org.apache.hadoop.fs.Path makeQualified(org.apache.hadoop.fs.Path path) {
            return path;
        }

        @Override
        protected void checkPath(org.apache.hadoop.fs.Path path) {
        }

        @Override
        public java.io.File pathToFile(org.apache.hadoop.fs.Path path) {
            return new java.io.File(path.toUri().getPath());
        }
    }

    static Configuration conf() {
        Configuration conf = new Configuration(false);
        conf.set("fs.remotefs.impl", RemoteFs.class.getName());
        conf.setBoolean("fs.remotefs.impl.disable.cache", true);
        return conf;
    }

    @Test
    void remoteFoldersAreCopiedToLocalDiskOnce() throws Exception {
        Path golden = Golden.dir("neo-draft-tiny");
        String uri = "remotefs://" + golden.toAbsolutePath();
        Path local = ExecutorModels.localCopy(uri, conf());
        assertNotEquals(golden, local);
        assertEquals(-1, Files.mismatch(golden.resolve("model.safetensors"), local.resolve("model.safetensors")));
        assertEquals(Checkpoint.open(golden).fingerprint(), Checkpoint.open(local).fingerprint());
        long copiedAt = Files.getLastModifiedTime(local.resolve(".copied")).toMillis();
        assertEquals(local, ExecutorModels.localCopy(uri, conf()));
        assertEquals(copiedAt, Files.getLastModifiedTime(local.resolve(".copied")).toMillis());
    }

    @Test
    void plainPathsAreUsedInPlaceAndLoadsAreCached() {
        Path golden = Golden.dir("neo-main-tiny");
        assertEquals(golden, ExecutorModels.localCopy(golden.toString(), conf()));
        int before = ExecutorModels.loadCount();
        ExecutorModels.Loaded a = ExecutorModels.get(golden.toString(), "cpu", "float32", conf(), null);
        ExecutorModels.Loaded b = ExecutorModels.get(golden.toString(), "cpu", "float32", conf(), null);
        assertSame(a, b);
        org.junit.jupiter.api.Assertions.assertTrue(ExecutorModels.loadCount() - before <= 1);
    }
}
