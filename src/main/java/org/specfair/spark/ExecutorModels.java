package org.specfair.spark;

import org.specfair.checkpoint.Checkpoint;
import org.specfair.lm.CausalLM;
import org.specfair.lm.Models;
import org.specfair.tokenizer.TextTokenizer;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The executor-wide model cache: one load per JVM per (checkpoint, device, dtype), shared by all
 * task threads of the executor. Models are never broadcast (multi-GB weights break broadcast);
 * a Hadoop URI is copied once to local disk through the Hadoop FileSystem API.
 */
public final class ExecutorModels {
    private static final Logger LOG = LogManager.getLogger(ExecutorModels.class);
    private static final Map<String, Loaded> CACHE = new ConcurrentHashMap<>();
    private static final AtomicInteger LOADS = new AtomicInteger();

    private ExecutorModels() {}

    /** A loaded checkpoint with its provenance and tokenizer (null when the folder has none). */
    public record Loaded(CausalLM model, String fingerprint, TextTokenizer tokenizer, Path localDir) {}

    /** Returns the cached model, loading it (once, even under concurrent tasks) when absent. */
    public static Loaded get(String uri, String device, String dtype, Configuration hadoop, Runnable onLoad) {
        String key = uri + "|" + device + "|" + dtype;
        return CACHE.computeIfAbsent(key, k -> {
            long t0 = System.nanoTime();
            Path local = localCopy(uri, hadoop);
            Checkpoint ckpt = Checkpoint.open(local);
            CausalLM model = Models.load(local, device, dtype);
            TextTokenizer tok = TextTokenizer.exists(local) ? TextTokenizer.load(local) : null;
            LOADS.incrementAndGet();
            if (onLoad != null) {
                onLoad.run();
            }
            LOG.info("loaded {} ({}) on {} as {} in {} ms", uri, ckpt.config().modelType(), device, model.dtype(),
                    (System.nanoTime() - t0) / 1_000_000);
            return new Loaded(model, ckpt.fingerprint(), tok, local);
        });
    }

    /** Loads performed by this JVM so far (tests assert one per executor, not per task). */
    public static int loadCount() {
        return LOADS.get();
    }

    /** A local folder holding the checkpoint: the path itself, or a one-time copy of a remote URI. */
    public static Path localCopy(String uri, Configuration hadoop) {
        URI u = URI.create(uri.replace(" ", "%20"));
        String scheme = u.getScheme();
        if (scheme == null || scheme.equals("file") || scheme.length() == 1) { // plain path or Windows drive
            return scheme == null || scheme.length() == 1 ? Path.of(uri) : Path.of(u);
        }
        try {
            String name = Integer.toHexString(uri.hashCode()) + "-" + new org.apache.hadoop.fs.Path(uri).getName();
            Path target = Path.of(System.getProperty("java.io.tmpdir"), "specfair-models", name);
            Path done = target.resolve(".copied");
            synchronized (ExecutorModels.class) {
                if (!Files.exists(done)) {
                    FileSystem fs = FileSystem.get(u, hadoop);
                    Files.createDirectories(target);
                    for (FileStatus f : fs.listStatus(new org.apache.hadoop.fs.Path(uri))) {
                        if (f.isFile()) {
                            fs.copyToLocalFile(false, f.getPath(),
                                    new org.apache.hadoop.fs.Path(target.resolve(f.getPath().getName()).toUri()), true);
                        }
                    }
                    Files.writeString(done, uri, StandardCharsets.UTF_8);
                    LOG.info("copied {} to {}", uri, target);
                }
            }
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException(uri + ": cannot copy checkpoint to local disk: " + e.getMessage(), e);
        }
    }
}
