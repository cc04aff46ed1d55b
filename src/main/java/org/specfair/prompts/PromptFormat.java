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

    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
