package org.specfair.prompts;

import java.util.Locale;

/** The prompt file formats {@link PromptSource} reads. */
public enum PromptFormat {
    /** HONEST template TSVs exactly as published by MilaNLProc/honest. */
    HONEST,
    /** Comma-separated, header row, RFC 4180 quoting. */
    CSV,
    /** Tab-separated, header row, RFC 4180 quoting (with a tab as the delimiter). */
    TSV,
    /** One JSON object per line. */
    JSONL,
    /** Parquet, read through Spark. */
    PARQUET;

    public static PromptFormat parse(String name) {
        if (name != null) {
            for (PromptFormat f : values()) {
                if (f.cliName().equals(name.trim().toLowerCase(Locale.ROOT))) {
                    return f;
                }
            }
        }
        throw new IllegalArgumentException("unknown prompt format '" + name + "' (expected honest, csv, tsv, jsonl or parquet)");
    }

    /** The table format a file name implies (HONEST files are .tsv too: name them as honest explicitly). */
    public static PromptFormat ofFileName(String file) {
        String name = file.toLowerCase(Locale.ROOT).replaceAll("/+$", "");
        if (name.endsWith(".csv")) {
            return CSV;
        } else if (name.endsWith(".tsv") || name.endsWith(".tab")) {
            return TSV;
        } else if (name.endsWith(".jsonl") || name.endsWith(".json") || name.endsWith(".ndjson")) {
            return JSONL;
        } else if (name.endsWith(".parquet") || name.contains("://") || java.nio.file.Files.isDirectory(java.nio.file.Path.of(file))) {
            return PARQUET;
        }
        throw new IllegalArgumentException(file + ": cannot tell the prompt format from the name; give the format (honest, csv, tsv, jsonl, parquet)");
    }

    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
