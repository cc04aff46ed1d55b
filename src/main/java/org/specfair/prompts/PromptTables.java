package org.specfair.prompts;

import org.apache.spark.sql.SparkSession;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Reads generic prompt tables (CSV, TSV, JSONL, Parquet) with configurable columns, for any benchmark
 * that is not HONEST: one row is one prompt, with a text and a group column. CSV, TSV and JSONL are
 * read in plain Java, streaming; Parquet goes through Spark because that is where Parquet lives.
 */
public final class PromptTables {
    private PromptTables() {}

    /** Reads one CSV, TSV or JSONL table; ids are assigned (see {@link PromptIds}). */
    public static List<Prompt> read(Path file, PromptFormat format, PromptColumns cols) {
        return read(List.of(file), format, cols);
    }

    /** Reads several tables of one format as one prompt set (ids unique across all of them). */
    public static List<Prompt> read(List<Path> files, PromptFormat format, PromptColumns cols) {
        List<Prompt> prompts = new ArrayList<>();
        for (Path file : files) {
            stream(file, format, cols, prompts::add);
        }
        return PromptIds.assign(prompts, PromptIds.TABLE);
    }

    /**
     * Hands each row of a CSV, TSV or JSONL table to {@code sink} as it is read, without holding the
     * table in memory. Ids are the table's own (id column) or null: derive them with {@link PromptIds#assign}.
     */
    public static void stream(Path file, PromptFormat format, PromptColumns cols, Consumer<Prompt> sink) {
        switch (format) {
            case CSV -> DelimitedPromptFile.read(file, ',', cols, sink);
            case TSV -> DelimitedPromptFile.read(file, '\t', cols, sink);
            case JSONL -> JsonlPromptFile.read(file, cols, sink);
            default -> throw new IllegalArgumentException(format.cliName() + " is not a plain prompt table (use "
                    + (format == PromptFormat.PARQUET ? "readParquet" : "HonestTemplates") + ")");
        }
    }

    /**
     * Reads a Parquet prompt table (file or folder, any Hadoop path) through Spark; ids are assigned.
     * Rows come back ordered by part file and row within it; sourceRow is the 1-based row in its part file.
     */
    public static List<Prompt> readParquet(SparkSession spark, String path, PromptColumns cols) {
        return PromptIds.assign(ParquetPrompts.read(spark, path, cols), PromptIds.TABLE);
    }
}
