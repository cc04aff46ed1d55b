package org.specfair.aggregate;

import org.apache.spark.sql.Row;

/** Null-safe reads of collected aggregate rows; NaN (e.g. an average of NaNs) reads as null so no table holds NaN. */
final class Cells {
    private Cells() {}

    static Double dbl(Row r, String name) {
        Object v = r.getAs(name);
        if (v == null) {
            return null;
        }
        double d = ((Number) v).doubleValue();
        return Double.isFinite(d) ? d : null;
    }

    static Long lng(Row r, String name) {
        Object v = r.getAs(name);
        return v == null ? null : ((Number) v).longValue();
    }

    static long lng0(Row r, String name) {
        Long v = lng(r, name);
        return v == null ? 0L : v;
    }

    static String str(Row r, String name) {
        Object v = r.getAs(name);
        return v == null ? null : v.toString();
    }

    static Double finite(Double d) {
        return d == null || !Double.isFinite(d) ? null : d;
    }
}
