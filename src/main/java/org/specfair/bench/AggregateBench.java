package org.specfair.bench;

import org.specfair.aggregate.AggregateJob;
import org.specfair.demo.SyntheticTables;
import org.specfair.spark.JobCounter;
import org.specfair.spark.Sessions;
import org.specfair.tables.TableStore;
import org.specfair.tables.Tables;

import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;

/**
 * {@code jobs/bench aggregate [--quick] [--sizes N,M,...] [--master local[2]]}: {@link AggregateJob} over synthetic
 * tables whose {@code tokens} table has N rows (default 1M and 10M; --quick: 100k and 1M), in Spark local[2].
 * Prints wall time and token rows/s per size, and how it scales (time ratio / size ratio between sizes).
 *
 * <p>Baseline measured in the same run: one full scan of the same tokens table ({@code avg(kl_main_assistant)}),
 * what reading the data once costs; "x scan" says how many such passes the whole aggregation is worth.
 * Also prints the number of Spark jobs the aggregation started ({@link JobCounter}): unlike seconds, it does not
 * depend on how loaded the machine is. Writing the synthetic tables is timed apart and not counted. Prints one line of JSON at the end.
 */
public final class AggregateBench {
    private AggregateBench() {}

    public static void main(String[] args) throws IOException {
        List<Long> sizes = new ArrayList<>(List.of(1_000_000L, 10_000_000L));
        String master = "local[2]";
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> sizes = new ArrayList<>(List.of(100_000L, 1_000_000L));
                case "--sizes" -> sizes = Stream.of(args[++i].split(",")).map(Long::parseLong).toList();
                case "--master" -> master = args[++i];
                default -> {
                    System.err.println("usage: jobs/bench aggregate [--quick] [--sizes N,M,...] [--master local[2]]");
                    System.exit(2);
                }
            }
        }
        double load = java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        System.out.printf(Locale.ROOT, "aggregate bench: %s, %d cores, load average %.1f at start%n", master,
                Runtime.getRuntime().availableProcessors(), load);
        SparkSession spark = Sessions.create("specfair bench aggregate", master);
        spark.sparkContext().setLogLevel("WARN");
        Path dir = Files.createTempDirectory("specfair-aggregate-bench-");
        StringBuilder json = new StringBuilder("{\"bench\":\"aggregate\",\"master\":\"" + master + "\",\"load_average\":" + load + ",\"runs\":[");
        double[] previous = null;
        try {
            for (long n : sizes) {
                String root = dir.resolve("t" + n).toString();
                SyntheticTables.Size size = SyntheticTables.Size.ofTokens(n);
                long t0 = System.nanoTime();
                SyntheticTables.write(spark, root, size, true);
                double writeS = (System.nanoTime() - t0) / 1e9;
                t0 = System.nanoTime();
                TableStore.read(spark, root, Tables.TOKENS).agg(avg(col("kl_main_assistant"))).collectAsList();
                double scanS = (System.nanoTime() - t0) / 1e9;
                t0 = System.nanoTime();
                AggregateJob.Summary s;
                int jobs;
                try (JobCounter counter = JobCounter.start(spark)) {
                    s = AggregateJob.run(spark, root, null);
                    jobs = counter.jobs();
                }
                double aggS = (System.nanoTime() - t0) / 1e9;
                long tokens = size.tokens();
                System.out.printf(Locale.ROOT, "tokens %,d (generations %,d, drafts %,d): aggregate %.1f s = %,.0f token rows/s in %d Spark jobs; scan baseline %.1f s "
                                + "(aggregate = %.1f x scan); tables written in %.1f s (not counted); %d group_metrics, %d distribution rows%n",
                        tokens, size.generations(), size.generations() * 6, aggS, tokens / aggS, jobs, scanS, aggS / scanS, writeS,
                        s.groupMetricRows(), s.distributionRows());
                if (previous != null) {
                    System.out.printf(Locale.ROOT, "  scaling: %.1fx the rows took %.2fx the time%n", tokens / previous[0], aggS / previous[1]);
                }
                json.append(previous == null ? "" : ",").append(String.format(Locale.ROOT,
                        "{\"tokens\":%d,\"aggregate_s\":%.2f,\"rows_per_s\":%.0f,\"spark_jobs\":%d,\"scan_s\":%.2f,\"write_s\":%.2f}", tokens, aggS, tokens / aggS, jobs, scanS, writeS));
                previous = new double[] {tokens, aggS};
                deleteTree(dir.resolve("t" + n));
            }
        } finally {
            spark.stop();
            deleteTree(dir);
        }
        System.out.println(json.append("]}"));
    }

    private static void deleteTree(Path p) {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> files = Files.walk(p)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
