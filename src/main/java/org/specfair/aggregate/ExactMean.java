package org.specfair.aggregate;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Row;

import java.math.BigDecimal;
import java.math.MathContext;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.isnan;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

/**
 * A mean over many rows that does not depend on how Spark partitioned them. A double sum depends on the order of
 * its additions (partial sums per partition, merged in shuffle order); each value is therefore rounded once to
 * 18 decimal places and summed as a decimal, whose addition is exact, so the same rows give the same mean in
 * any order. Only finite values count (as Spark's avg, minus NaN/infinity, which the project's tables never hold).
 */
final class ExactMean {
    /** decimal(38, 18): 20 integer digits, far beyond any KL or rate summed here. */
    private static final String DECIMAL = "decimal(38,18)";

    private ExactMean() {}

    /** The two aggregate columns {@link #of} reads back: {@code name_sum} and {@code name_n}. */
    static Column[] aggregates(String column, String name) {
        return aggregates(col(column), name);
    }

    static Column[] aggregates(Column x, String name) {
        Column finite = when(x.isNotNull().and(isnan(x).unary_$bang()).and(x.between(-1e19, 1e19)), x);
        return new Column[] {sum(finite.cast(DECIMAL)).as(name + "_sum"), count(finite).as(name + "_n")};
    }

    /** The mean, or null without values. */
    static Double of(Row r, String name) {
        Object s = r.getAs(name + "_sum");
        long n = r.getLong(r.fieldIndex(name + "_n"));
        if (s == null || n == 0) {
            return null;
        }
        return ((BigDecimal) s).divide(BigDecimal.valueOf(n), MathContext.DECIMAL128).doubleValue();
    }
}
