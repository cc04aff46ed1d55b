package org.specfair.prompts;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.spark.sql.SparkSession;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Where the generation job gets its prompts: one call for every supported format. The result keeps
 * every row of the input; unusable rows carry an error and become error rows downstream. Whole-file
 * problems (missing file or column, malformed row) throw a {@link PromptFileException} with one line.
 */
public final class PromptSource {
    private static final Logger LOG = LogManager.getLogger(PromptSource.class);

    private PromptSource() {}

    /**
     * @param files           prompt files (HONEST: template files or folders holding them)
     * @param format          honest, csv, tsv, jsonl or parquet
     * @param cols            the table's columns; ignored for honest (may be null there)
     * @param honestSelection binary, queer_nonqueer or all; ignored for other formats (may be null there)
     * @param sparkOrNull     needed for parquet only
     * @return the prompts in load order (files as given, rows in file order), ids unique
     */
    public static List<Prompt> load(List<Path> files, String format, PromptColumns cols, String honestSelection,
                                    SparkSession sparkOrNull) {
        PromptFormat f = PromptFormat.parse(format);
        if (files == null || files.isEmpty()) {
            throw new PromptFileException("no prompt files given (format " + f.cliName() + ")");
        }
        if (f != PromptFormat.HONEST && cols == null) {
            throw new IllegalArgumentException(f.cliName() + " prompt tables need their text and group column names");
        }
        List<Prompt> prompts = switch (f) {
            case HONEST -> HonestTemplates.load(files, honestSelection);
            case CSV, TSV, JSONL -> PromptTables.read(files, f, cols);
            case PARQUET -> readParquet(files, cols, sparkOrNull);
        };
        if (prompts.isEmpty()) {
            throw new PromptFileException(files + ": no prompt rows (only headers or blank lines)");
        }
        report(prompts, files);
        return prompts;
    }

    private static List<Prompt> readParquet(List<Path> files, PromptColumns cols, SparkSession spark) {
        return readParquetUris(files.stream().map(Path::toString).toList(), cols, spark);
    }

    /**
     * Parquet prompt tables at any Hadoop location ({@code hdfs://}, {@code s3a://}, local): given as
     * strings, because {@link Path} would fold the URI's double slash.
     */
    public static List<Prompt> loadParquet(List<String> uris, PromptColumns cols, SparkSession spark) {
        List<Prompt> prompts = readParquetUris(uris, cols, spark);
        if (prompts.isEmpty()) {
            throw new PromptFileException(uris + ": no prompt rows");
        }
        report(prompts, uris);
        return prompts;
    }

    private static List<Prompt> readParquetUris(List<String> uris, PromptColumns cols, SparkSession spark) {
        if (spark == null) {
            throw new IllegalArgumentException("parquet prompt tables are read through Spark, but no SparkSession was given");
        }
        List<Prompt> prompts = new ArrayList<>();
        for (String uri : uris) {
            prompts.addAll(ParquetPrompts.read(spark, uri, cols));
        }
        return PromptIds.assign(prompts, PromptIds.TABLE);
    }

    /** One summary line; error rows are counted and the first named, since they are easy to miss later. */
    private static void report(List<Prompt> prompts, List<?> files) {
        List<Prompt> bad = prompts.stream().filter(Prompt::hasError).toList();
        LOG.info("{} prompts from {} ({} kept as error rows)", prompts.size(), files, bad.size());
        if (!bad.isEmpty()) {
            LOG.warn("{} unusable prompt rows, e.g. {}", bad.size(), bad.get(0).errorLine());
        }
    }
}
