package org.specfair.spark;

import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/** Builds the one SparkSession a command uses: embedded local mode unless a master is given or configured. */
public final class Sessions {
    private Sessions() {}

    /**
     * @param master null = whatever spark-submit configured, else local[*] when nothing is configured
     */
    public static SparkSession create(String appName, String master) {
        return create(appName, master, true);
    }

    /** As above; {@code progressBar} false for commands whose stdout/stderr a user reads as a result (sql). */
    public static SparkSession create(String appName, String master, boolean progressBar) {
        SparkConf conf = new SparkConf();
        String m = master != null ? master : conf.get("spark.master", "local[*]");
        if (m.startsWith("local")) {
            sizeTorchThreads(m);
        }
        return SparkSession.builder()
                .appName(appName)
                .master(m)
                .config("spark.sql.sources.partitionOverwriteMode", "dynamic")
                // Partition values stay the strings written: stage "01" must not read back as 1.
                .config("spark.sql.sources.partitionColumnTypeInference.enabled", "false")
                .config("spark.ui.showConsoleProgress", String.valueOf(progressBar))
                .config("spark.sql.session.timeZone", "UTC")
                .config("spark.sql.shuffle.partitions", conf.get("spark.sql.shuffle.partitions", "8"))
                .getOrCreate();
    }

    /**
     * In local mode every task thread shares one PyTorch: give each task an equal share of the cores
     * instead of letting N tasks x all-core thread pools oversubscribe the machine. Must run before
     * DJL's engine starts; an explicit -Dai.djl.pytorch.num_threads wins.
     */
    static void sizeTorchThreads(String master) {
        if (System.getProperty("ai.djl.pytorch.num_threads") != null) {
            return;
        }
        int cores = Runtime.getRuntime().availableProcessors();
        int tasks = cores;
        java.util.regex.Matcher mm = java.util.regex.Pattern.compile("local\\[(\\d+)").matcher(master);
        if (mm.find()) {
            tasks = Integer.parseInt(mm.group(1));
        }
        System.setProperty("ai.djl.pytorch.num_threads", String.valueOf(Math.max(1, cores / Math.max(1, tasks))));
        System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
    }
}
