package org.specfair.tables;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

import java.io.PrintStream;
import java.util.Iterator;

/** Query results as RFC 4180 CSV with a header; arrays and structs in Spark's own string form. */
public final class CsvOut {
    private CsvOut() {}

    public static void print(StructType schema, Iterator<Row> rows, PrintStream out) {
        StringBuilder line = new StringBuilder();
        StructField[] fields = schema.fields();
        for (int i = 0; i < fields.length; i++) {
            line.append(i == 0 ? "" : ",").append(quote(fields[i].name()));
        }
        out.println(line);
        while (rows.hasNext()) {
            Row r = rows.next();
            line.setLength(0);
            for (int i = 0; i < fields.length; i++) {
                if (i > 0) {
                    line.append(',');
                }
                Object v = r.get(i);
                line.append(v == null ? "" : quote(format(v)));
            }
            out.println(line);
        }
        out.flush();
    }

    private static String format(Object v) {
        if (v instanceof scala.collection.Seq<?> seq) {
            return seq.mkString("[", ",", "]");
        }
        return v.toString();
    }

    static String quote(String s) {
        if (s.contains(",") || s.contains("\"") || s.contains("\n") || s.contains("\r")) {
            return "\"" + s.replace("\"", "\"\"") + "\"";
        }
        return s;
    }
}
