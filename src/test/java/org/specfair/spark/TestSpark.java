package org.specfair.spark;

import org.apache.spark.sql.SparkSession;

/** The SparkSession the table-writing tests share: local[2], no UI, few shuffle partitions, partition values as strings. */
public final class TestSpark {
    private TestSpark() {}

    public static SparkSession local(String appName, int shufflePartitions) {
        return SparkSession.builder().master("local[2]").appName(appName)
                .config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", String.valueOf(shufflePartitions))
                // as Sessions.create: stage "01" must not read back as 1
                .config("spark.sql.sources.partitionColumnTypeInference.enabled", "false")
                .getOrCreate();
    }
}
