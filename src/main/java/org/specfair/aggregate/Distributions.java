package org.specfair.aggregate;

import org.specfair.tables.Tables;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.first;
import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.isnan;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.percentile_approx;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.when;

/**
 * {@code distributions}: histogram bins of per-token KL (both directions) and of draft {@code p_i - q_i}
 * (accepted vs rejected), by stage and category, for all samples ({@code transition = all}) and for each
 * transition class of each stage pair and judge. Bin edges are shared by every histogram of one figure in
 * one experiment, so they overlay: KL over [0, q99.9] of all the experiment's tokens ({@code percentile_approx},
 * accuracy 1000, i.e. rank error at most 0.1% of the rows), {@code p_i - q_i} over [-1, 1]; values past the last
 * edge count in the last bin.
 *
 * <p>Two Spark jobs whatever the number of experiments, stages, groups and judges: the KL ranges of every
 * experiment in one grouped pass, then every histogram in one job.
 */
public final class Distributions {
    public static final int BINS = 40;
    public static final List<String> KL_FIGURES = List.of("kl_main_assistant", "kl_assistant_main");
    public static final String P_MINUS_Q = "p_minus_q";
    /** Tail quantile for the KL range; its rank error must stay well under 1 - P (issue 13: 0.01 returned the max). */
    static final double KL_RANGE_QUANTILE = 0.999;
    static final int KL_RANGE_ACCURACY = 1000;

    private Distributions() {}

    /**
     * @param in the cached inputs (tokens and drafts carry their category)
     * @param classified {@link Transitions#classify} output, or null without judgments or stage pairs
     * @param classedTokens {@link Transitions#classedTokens}, or null
     */
    public static List<Row> compute(AggregateInputs in, Dataset<Row> classified, Dataset<Row> classedTokens) {
        List<Dataset<Row>> parts = new ArrayList<>();
        in.tokens().ifPresent(tokens -> {
            Map<String, double[]> ranges = klRanges(tokens);
            parts.add(klValues(asAll(tokens), ranges));
            if (classedTokens != null) {
                parts.add(klValues(asClassed(classedTokens), ranges));
            }
        });
        in.drafts().ifPresent(drafts -> {
            parts.add(draftValues(asAll(drafts)));
            if (classified != null) {
                parts.add(draftValues(asClassed(Transitions.classedRows(classified, drafts, "p_minus_q", "accepted"))));
            }
        });
        // One Spark job for all histograms: on a busy machine each job's scheduling costs more than these small scans.
        List<Row> counts = parts.isEmpty() ? List.of() : histogram(parts.stream().reduce(Dataset::unionByName).orElseThrow()).collectAsList();
        return withShares(counts);
    }

    /** Both KL figures of each row, one row per figure: the figure's value and its experiment's [0, q99.9] range. */
    private static Dataset<Row> klValues(Dataset<Row> rows, Map<String, double[]> ranges) {
        Column[] figures = new Column[KL_FIGURES.size()];
        for (int f = 0; f < figures.length; f++) {
            figures[f] = struct(lit(KL_FIGURES.get(f)).as("figure"), col(KL_FIGURES.get(f)).cast("double").as("value"),
                    lit(0.0).as("lo"), upperEdge(ranges, f).as("hi"));
        }
        return values(rows.withColumn("draft", lit(null).cast("string")).withColumn("v", explode(array(figures))));
    }

    /** Draft p_i - q_i over [-1, 1], split by accepted / rejected. */
    private static Dataset<Row> draftValues(Dataset<Row> rows) {
        return values(rows.withColumn("draft", when(col("accepted"), lit("accepted")).otherwise(lit("rejected")))
                .withColumn("v", struct(lit(P_MINUS_Q).as("figure"), col("p_minus_q").cast("double").as("value"), lit(-1.0).as("lo"), lit(1.0).as("hi"))));
    }

    private static Dataset<Row> values(Dataset<Row> rows) {
        return rows.select(col("experiment"), col("v.figure").as("figure"), col("stage"), col("stage_pair"), col("judge"), col("transition"),
                col("category"), col("draft"), col("v.value").as("value"), col("v.lo").as("lo"), col("v.hi").as("hi"));
    }

    /**
     * One Spark job: per experiment, the [0, q99.9] upper edges of both KL directions (over tokens whose KL is
     * finite both ways); a degenerate range (all zero) widens to 1e-6.
     */
    static Map<String, double[]> klRanges(Dataset<Row> tokens) {
        Column finite = lit(true);
        for (String figure : KL_FIGURES) {
            finite = finite.and(col(figure).isNotNull()).and(isnan(col(figure)).unary_$bang());
        }
        Column[] quantiles = KL_FIGURES.stream()
                .map(f -> percentile_approx(col(f), lit(KL_RANGE_QUANTILE), lit(KL_RANGE_ACCURACY)).as(f)).toArray(Column[]::new);
        Map<String, double[]> ranges = new TreeMap<>();
        for (Row r : tokens.filter(finite).groupBy("experiment").agg(quantiles[0], java.util.Arrays.copyOfRange(quantiles, 1, quantiles.length))
                .collectAsList()) {
            double[] hi = new double[KL_FIGURES.size()];
            for (int i = 0; i < hi.length; i++) {
                Double q = Cells.dbl(r, KL_FIGURES.get(i));
                hi[i] = q == null || !(q > 1e-6) ? 1e-6 : q;
            }
            ranges.put(r.getAs("experiment"), hi);
        }
        return ranges;
    }

    /** The figure's upper edge as a column: each row gets its experiment's (1e-6 when it has no finite KL). */
    private static Column upperEdge(Map<String, double[]> ranges, int figure) {
        Column hi = lit(1e-6);
        for (Map.Entry<String, double[]> e : ranges.entrySet()) {
            hi = when(col("experiment").equalTo(e.getKey()), lit(e.getValue()[figure])).otherwise(hi);
        }
        return hi;
    }

    /** Rows of every good sample: transition "all", no pair or judge. */
    private static Dataset<Row> asAll(Dataset<Row> rows) {
        return rows.withColumn("stage_pair", lit(null).cast("string")).withColumn("judge", lit(null).cast("string"))
                .withColumn("transition", lit("all"));
    }

    private static Dataset<Row> asClassed(Dataset<Row> rows) {
        return rows.withColumn("stage_pair", concat(col("stage_before"), lit("->"), col("stage_after")));
    }

    /**
     * Counts per histogram (experiment, figure, stage, stage_pair, judge, transition, category, draft) and bin of
     * rows holding value, lo and hi (the figure's range). Null and NaN values are left out (the tables the project
     * writes have none).
     */
    static Dataset<Row> histogram(Dataset<Row> values) {
        Column value = col("value");
        Column width = col("hi").minus(col("lo")).divide(BINS);
        Column bin = least(greatest(floor(value.minus(col("lo")).divide(width)), lit(0)), lit(BINS - 1)).cast("int");
        return values.filter(value.isNotNull().and(isnan(value).unary_$bang()))
                .withColumn("bin", bin)
                .withColumn("width", width)
                .groupBy(col("experiment"), col("figure"), col("stage"), col("stage_pair"), col("judge"), col("transition"), col("category"),
                        col("draft"), col("bin"))
                .agg(count(lit(1)).as("count"), first(col("lo")).as("lo"), first(col("width")).as("width"));
    }

    /** Distribution rows, sorted: bin edges lo + bin x width, and each bin's share of its histogram (totals summed here). */
    private static List<Row> withShares(List<Row> counts) {
        String[] histogramKey = {"experiment", "figure", "stage", "stage_pair", "judge", "transition", "category", "draft"};
        Map<List<String>, Long> totals = new HashMap<>();
        counts.forEach(r -> totals.merge(GroupMetrics.key(r, histogramKey), r.getLong(r.fieldIndex("count")), Long::sum));
        List<Row> rows = new ArrayList<>();
        for (Row r : counts) {
            int bin = r.getInt(r.fieldIndex("bin"));
            double lo = r.getDouble(r.fieldIndex("lo"));
            double width = r.getDouble(r.fieldIndex("width"));
            long n = r.getLong(r.fieldIndex("count"));
            List<String> k = GroupMetrics.key(r, histogramKey);
            rows.add(RowFactory.create(k.get(0), k.get(1), k.get(2), k.get(3), k.get(4), k.get(5), k.get(6), k.get(7), bin,
                    bin * width + lo, (bin + 1) * width + lo, n, (double) n / totals.get(k)));
        }
        String[] sortKey = {"experiment", "figure", "stage_pair", "judge", "transition", "stage", "category", "draft"};
        int[] fields = java.util.Arrays.stream(sortKey).mapToInt(Tables.DISTRIBUTION::fieldIndex).toArray();
        rows.sort(java.util.Comparator.comparing((Row r) -> {
            List<String> k = new ArrayList<>();
            for (int f : fields) {
                k.add(r.isNullAt(f) ? null : r.get(f).toString());
            }
            return k;
        }, GroupMetrics::compareKeys).thenComparingInt(r -> r.getInt(Tables.DISTRIBUTION.fieldIndex("bin"))));
        return rows;
    }
}
