package org.specfair.report;

import java.util.List;
import java.util.Locale;

/** The report page as it is written: escaped text, tables, figures; one file, no scripts, no network. */
final class Html {
    private final StringBuilder out = new StringBuilder();

    Html(String title) {
        out.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>").append(esc(title)).append("</title>\n<style>\n")
                .append("body{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}\n")
                .append("h1{font-size:1.6em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em}h3{margin-top:1.5em}\n")
                .append("table{border-collapse:collapse;margin:.6em 0;font-size:.9em}td,th{border:1px solid #ddd;padding:.25em .6em;text-align:right}\n")
                .append("th{background:#f4f4f4}td:first-child,th:first-child{text-align:left}\n")
                .append("figure{margin:1em 0}img{max-width:100%;border:1px solid #eee}figcaption{font-size:.9em;color:#555}\n")
                .append(".summary{background:#f6f9fc;border-left:4px solid #4a7ab7;padding:.6em 1em}.note{color:#666;font-style:italic}\n")
                .append("</style></head><body>\n<h1>").append(esc(title)).append("</h1>\n");
    }

    Html h2(String text) {
        out.append("<h2>").append(esc(text)).append("</h2>\n");
        return this;
    }

    Html h3(String text) {
        out.append("<h3>").append(esc(text)).append("</h3>\n");
        return this;
    }

    Html p(String text) {
        out.append("<p>").append(esc(text)).append("</p>\n");
        return this;
    }

    Html note(String text) {
        out.append("<p class=\"note\">").append(esc(text)).append("</p>\n");
        return this;
    }

    Html summary(List<String> lines) {
        out.append("<div class=\"summary\"><ul>\n");
        lines.forEach(l -> out.append("<li>").append(esc(l)).append("</li>\n"));
        out.append("</ul></div>\n");
        return this;
    }

    Html figure(String file, String caption) {
        out.append("<figure><img src=\"").append(esc(file)).append("\" alt=\"").append(esc(caption)).append("\"><figcaption>")
                .append(esc(caption)).append("</figcaption></figure>\n");
        return this;
    }

    Html table(List<String> header, List<List<Object>> rows) {
        out.append("<table><tr>");
        header.forEach(h -> out.append("<th>").append(esc(h)).append("</th>"));
        out.append("</tr>\n");
        for (List<Object> r : rows) {
            out.append("<tr>");
            r.forEach(v -> out.append("<td>").append(esc(format(v))).append("</td>"));
            out.append("</tr>\n");
        }
        out.append("</table>\n");
        return this;
    }

    String end() {
        return out.append("</body></html>\n").toString();
    }

    static String format(Object v) {
        if (v == null) {
            return "–";
        }
        if (v instanceof Double d) {
            return num(d);
        }
        return v.toString();
    }

    /** Four significant digits, plain notation while readable. */
    static String num(Double d) {
        if (d == null) {
            return "–";
        }
        double a = Math.abs(d);
        if (a != 0 && (a < 1e-3 || a >= 1e6)) {
            return String.format(Locale.ROOT, "%.3g", d);
        }
        return String.format(Locale.ROOT, a >= 100 ? "%.1f" : "%.4f", d);
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
