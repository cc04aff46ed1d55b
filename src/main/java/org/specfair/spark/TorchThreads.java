package org.specfair.spark;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * PyTorch intra-op threads on an executor = the cores a task owns ({@code spark.task.cpus}). More threads
 * than cores oversubscribe the node (8 threads on a 1-core slot were 1.7x slower than 1, and changed
 * float sums in the 6th digit against local mode). DJL reads the setting once, when its engine starts,
 * so a task calls this before its first model load; an explicit {@code -Dai.djl.pytorch.num_threads} wins
 * (local mode sets it in {@link Sessions}).
 */
public final class TorchThreads {
    private static final Logger LOG = LogManager.getLogger(TorchThreads.class);

    private TorchThreads() {}

    public static synchronized void forTask(int taskCpus) {
        if (System.getProperty("ai.djl.pytorch.num_threads") != null || taskCpus < 1) {
            return;
        }
        System.setProperty("ai.djl.pytorch.num_threads", String.valueOf(taskCpus));
        if (System.getProperty("ai.djl.pytorch.num_interop_threads") == null) {
            System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        }
        LOG.info("PyTorch intra-op threads: {} (spark.task.cpus)", taskCpus);
    }
}
