package org.specfair.generate;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.spark.SparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * How many Spark tasks a run uses, and why (logged). {@code --partitions} wins; otherwise the prompts are
 * spread over the task slots the executors offer (an executor's cores / {@code spark.task.cpus}, fewer when
 * GPUs are the limit), a few tasks per slot so a late failure re-decodes a fraction of a slot's share,
 * and never a task with less than a batch of work. On a cluster the driver first waits for executors to
 * register (Spark's default parallelism is 2 until they do), and stops with a clear message when none come.
 */
record TaskCount(int tasks, String reason) {
    private static final Logger LOG = LogManager.getLogger(TaskCount.class);
    /** Tasks per slot: enough to balance uneven prompts, few enough that each fills its batches. */
    static final int TASKS_PER_SLOT = 4;
    /** How long the slot count must stay unchanged before the driver stops waiting for more executors. */
    static final long SETTLE_MS = 3000;

    static TaskCount of(SparkSession spark, GenerateOptions opts, int prompts) {
        if (opts.partitions() > 0) {
            int n = Math.min(opts.partitions(), prompts);
            return new TaskCount(n, n + " tasks (--partitions " + opts.partitions() + ", " + prompts + " prompts)");
        }
        int slots = waitForSlots(spark.sparkContext());
        return plan(prompts, opts.numSamples(), opts.batchSize(), slots, describe(spark.sparkContext()));
    }

    /** The arithmetic, separately testable: at most TASKS_PER_SLOT per slot, at least a batch of items per task. */
    static TaskCount plan(int prompts, int samples, int batchSize, int slots, String slotsFrom) {
        long items = (long) prompts * samples;
        int byBatch = (int) Math.max(1, items / batchSize);
        int n = Math.max(1, Math.min(Math.min(prompts, byBatch), slots * TASKS_PER_SLOT));
        return new TaskCount(n, n + " tasks (" + prompts + " prompts x " + samples + " samples, batch " + batchSize
                + ", " + slots + " task slots " + slotsFrom + ", up to " + TASKS_PER_SLOT + " tasks per slot)");
    }

    /**
     * Task slots of the registered executors. On a cluster, waits up to
     * {@code spark.scheduler.maxRegisteredResourcesWaitingTime} (30 s) for the first executor, then until
     * no more register for {@link #SETTLE_MS}.
     */
    static int waitForSlots(SparkContext sc) {
        boolean local = sc.master().startsWith("local");
        long waitMs = sc.conf().getTimeAsMs("spark.scheduler.maxRegisteredResourcesWaitingTime", "30s");
        long deadline = System.currentTimeMillis() + waitMs;
        int seen = 0;
        long stableSince = 0;
        while (true) {
            int slots = slots(sc);
            if (local) {
                return Math.max(1, slots);
            }
            if (slots != seen) {
                seen = slots;
                stableSince = System.currentTimeMillis();
            }
            // Executors register one by one: once some have, take the count when it has not grown for a few seconds.
            if (seen > 0 && (System.currentTimeMillis() - stableSince >= SETTLE_MS || System.currentTimeMillis() > deadline)) {
                return seen;
            }
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException("no executor registered with " + sc.master() + " within " + waitMs / 1000
                        + " s: the cluster cannot offer what the application asks (" + describe(sc)
                        + "); see docs/cluster.md for --executor-cores, --executor-memory, --gpus-per-executor and --cluster-profile cpu");
            }
            if (seen == 0) {
                LOG.info("waiting for executors to register with {} ({})", sc.master(), describe(sc));
            }
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for executors", e);
            }
        }
    }

    /** Tasks the registered executors can run at once under the default resource profile (GPUs included). */
    private static int slots(SparkContext sc) {
        try {
            return sc.maxNumConcurrentTasks(sc.resourceProfileManager().defaultResourceProfile());
        } catch (RuntimeException e) {
            return sc.defaultParallelism();
        }
    }

    /** What each executor asks for, as configured (for the log and the no-resources message). */
    static String describe(SparkContext sc) {
        var c = sc.conf();
        return "on " + sc.master() + ": executors of " + c.get("spark.executor.cores", "?") + " cores, "
                + c.get("spark.executor.memory", "1g") + " memory + " + c.get("spark.executor.memoryOverhead", "default")
                + " overhead, " + c.get("spark.executor.resource.gpu.amount", "0") + " GPUs; tasks of "
                + c.get("spark.task.cpus", "1") + " cores, " + c.get("spark.task.resource.gpu.amount", "0") + " GPUs";
    }
}
