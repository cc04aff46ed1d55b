package org.specfair.finetune;

import java.io.Serializable;
import java.util.Locale;

/**
 * A named text dataset: where it lives (local path or Hadoop URI), its format, and the column that
 * holds the text (sst2: {@code sentence}; wikitext, imdb, ag_news: {@code text}; ignored for plain text,
 * where each line is a document).
 *
 * @param format parquet, jsonl, csv, tsv or text
 */
public record DatasetSpec(String name, String path, String format, String column) implements Serializable {
    public static final java.util.List<String> FORMATS = java.util.List.of("parquet", "jsonl", "csv", "tsv", "text");

    public DatasetSpec {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("dataset " + path + ": empty name");
        }
        if (path == null || path.isBlank()) {
            throw new IllegalArgumentException("dataset '" + name + "': no path");
        }
        format = format == null || format.isBlank() ? formatOf(path) : format.trim().toLowerCase(Locale.ROOT);
        if (!FORMATS.contains(format)) {
            throw new IllegalArgumentException("dataset '" + name + "': unknown format '" + format + "' (" + String.join(", ", FORMATS) + ")");
        }
        if (column == null || column.isBlank()) {
            column = "text";
        }
    }

    /** The format a path's name implies; folders and URIs without an extension are Parquet. */
    public static String formatOf(String path) {
        String p = path.toLowerCase(Locale.ROOT).replaceAll("/+$", "");
        if (p.endsWith(".jsonl") || p.endsWith(".json") || p.endsWith(".ndjson")) {
            return "jsonl";
        } else if (p.endsWith(".csv")) {
            return "csv";
        } else if (p.endsWith(".tsv") || p.endsWith(".tab")) {
            return "tsv";
        } else if (p.endsWith(".txt") || p.endsWith(".raw")) {
            return "text";
        }
        return "parquet";
    }

    /** {@code NAME=PATH[:column[:format]]}, the CLI's --dataset form. */
    public static DatasetSpec parse(String spec) {
        int eq = spec.indexOf('=');
        if (eq <= 0) {
            throw new IllegalArgumentException("dataset '" + spec + "': expected NAME=PATH[,column=C][,format=parquet|jsonl|csv|tsv|text]");
        }
        String name = spec.substring(0, eq);
        String[] parts = spec.substring(eq + 1).split(",");
        String column = null;
        String format = null;
        for (int i = 1; i < parts.length; i++) {
            String[] kv = parts[i].split("=", 2);
            switch (kv[0].trim()) {
                case "column" -> column = kv.length > 1 ? kv[1].trim() : null;
                case "format" -> format = kv.length > 1 ? kv[1].trim() : null;
                default -> throw new IllegalArgumentException("dataset '" + spec + "': unknown key '" + kv[0] + "' (column, format)");
            }
        }
        return new DatasetSpec(name, parts[0], format, column);
    }
}
