package org.specfair.spark;

import org.specfair.checkpoint.Checkpoint;
import org.specfair.checkpoint.ResolvedCheckpoint;
import org.specfair.lm.CausalLM;
import org.specfair.lm.Models;
import org.specfair.tokenizer.TextTokenizer;

import org.apache.hadoop.conf.Configuration;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The executor-wide model cache: one load per JVM per (checkpoint fingerprint, device, dtype), shared
 * by all task threads of the executor. Models are never broadcast (multi-GB weights break broadcast);
 * the driver resolves each checkpoint once ({@link ResolvedCheckpoint}) and tasks load from that,
 * through a local copy whose fingerprint must match the run's.
 */
public final class ExecutorModels {
    private static final Logger LOG = LogManager.getLogger(ExecutorModels.class);
    private static final Map<String, Loaded> CACHE = new ConcurrentHashMap<>();
    private static final AtomicInteger LOADS = new AtomicInteger();

    private ExecutorModels() {}

    /** A loaded checkpoint with its provenance and tokenizer (null when the folder has none). */
    public record Loaded(CausalLM model, String fingerprint, TextTokenizer tokenizer, Path localDir) {}

    /** Returns the cached model, loading it (once, even under concurrent tasks) when absent. */
    public static Loaded get(ResolvedCheckpoint ckpt, String device, String dtype, Configuration hadoop, Runnable onLoad) {
        String key = ckpt.fingerprint() + "|" + device + "|" + dtype;
        return CACHE.computeIfAbsent(key, k -> {
            long t0 = System.nanoTime();
            Checkpoint local = ckpt.open(hadoop);
            CausalLM model = Models.load(local.dir(), device, dtype);
            TextTokenizer tok = TextTokenizer.exists(local.dir()) ? TextTokenizer.load(local.dir()) : null;
            LOADS.incrementAndGet();
            if (onLoad != null) {
                onLoad.run();
            }
            LOG.info("loaded {} ({}) on {} as {} in {} ms", ckpt.uri(), ckpt.modelType(), device, model.dtype(),
                    (System.nanoTime() - t0) / 1_000_000);
            return new Loaded(model, ckpt.fingerprint(), tok, local.dir());
        });
    }

    /** Loads performed by this JVM so far (tests assert one per executor, not per task). */
    public static int loadCount() {
        return LOADS.get();
    }
}
