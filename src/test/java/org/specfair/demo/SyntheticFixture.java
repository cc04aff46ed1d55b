package org.specfair.demo;

import org.specfair.aggregate.AggregateJob;

import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One small synthetic root, written and aggregated once per test JVM and shared by the test classes that only
 * read it (named SQL, report): writing and aggregating it is most of their cost on a loaded 2-core machine.
 */
public final class SyntheticFixture {
    public static final SyntheticTables.Size SIZE = new SyntheticTables.Size(60, 2, 4);
    private static String root;

    private SyntheticFixture() {}

    public static synchronized String aggregatedRoot(SparkSession spark) {
        if (root == null) {
            try {
                Path dir = Files.createTempDirectory("specfair-synthetic-");
                dir.toFile().deleteOnExit();
                String r = dir.resolve("out").toString();
                SyntheticTables.write(spark, r, SIZE, true);
                AggregateJob.run(spark, r, null);
                root = r;
                Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(dir)));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return root;
    }

    private static void deleteTree(Path dir) {
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // best effort at exit
        }
    }
}
