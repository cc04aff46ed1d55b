package org.specfair.checkpoint;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.RawLocalFileSystem;

import java.net.URI;

/** The local file system under another scheme ({@code remotefs://}), standing in for hdfs:// or s3a:// in tests. */
public final class RemoteFs extends RawLocalFileSystem {
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

    /** A Hadoop configuration that knows the scheme. */
    public static Configuration conf() {
        Configuration conf = new Configuration(false);
        conf.set("fs.remotefs.impl", RemoteFs.class.getName());
        conf.setBoolean("fs.remotefs.impl.disable.cache", true);
        return conf;
    }
}
