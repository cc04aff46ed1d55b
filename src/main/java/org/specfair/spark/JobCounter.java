package org.specfair.spark;

import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.sql.SparkSession;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts the Spark jobs started while it is open. The number of jobs an aggregation launches does not depend on
 * how busy the machine is, so benchmarks and tests use it as the load-independent measure of a job's cost.
 */
public final class JobCounter extends SparkListener implements AutoCloseable {
    private final SparkSession spark;
    private final AtomicInteger jobs = new AtomicInteger();

    private JobCounter(SparkSession spark) {
        this.spark = spark;
    }

    /** Starts counting on the session's context; {@link #close} stops. */
    public static JobCounter start(SparkSession spark) {
        JobCounter counter = new JobCounter(spark);
        spark.sparkContext().addSparkListener(counter);
        return counter;
    }

    @Override
    public void onJobStart(SparkListenerJobStart jobStart) {
        jobs.incrementAndGet();
    }

    /** Jobs started so far. Listener events arrive asynchronously: waits for the bus to drain first. */
    public int jobs() {
        try {
            spark.sparkContext().listenerBus().waitUntilEmpty(60_000L);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("Spark listener bus did not drain in 60 s", e);
        }
        return jobs.get();
    }

    @Override
    public void close() {
        jobs();
        spark.sparkContext().removeSparkListener(this);
    }
}
