package org.specfair.cli;

import org.specfair.decode.DecodeConfig;
import org.specfair.generate.GenerateJob;
import org.specfair.generate.GenerateOptions;
import org.specfair.prompts.Prompt;
import org.specfair.prompts.PromptColumns;
import org.specfair.prompts.PromptSource;
import org.specfair.spark.Sessions;

import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code specfair generate-job} (and {@code jobs/generate}): parse arguments, build the session, run {@link GenerateJob}. */
@Command(name = "generate-job", description = "Spark job: decode prompt files with a (main, assistant) pair; write generations/drafts/tokens.")
public final class GenerateJobCommand implements Callable<Integer> {
    @Mixin
    DecodeOptions decoding;

    @Option(names = "--main", required = true, description = "main checkpoint folder (path or hdfs:// / s3a:// URI)") String main;
    @Option(names = "--assistant", description = "assistant checkpoint folder") String assistant;
    @Option(names = "--prompts", required = true, split = ",", description = "prompt files (comma separated; Parquet may be any Hadoop URI)") List<String> prompts;
    @Option(names = "--prompt-format", description = "honest, csv, tsv, jsonl, parquet (default: from the first file's extension)") String format;
    @Option(names = "--honest-set", defaultValue = "all", description = "binary, queer_nonqueer or all (honest format)") String honestSet;
    @Option(names = "--text-column", defaultValue = "prompt") String textColumn;
    @Option(names = "--group-column", defaultValue = "category") String groupColumn;
    @Option(names = "--id-column", description = "the table's own prompt id column (default: derived stable ids)") String idColumn;
    @Option(names = "--identity-column") String identityColumn;
    @Option(names = "--template-column") String templateColumn;
    @Option(names = "--out", required = true, description = "output root") String out;
    @Option(names = "--experiment", required = true) String experiment;
    @Option(names = "--stage", defaultValue = "base") String stage;
    @Option(names = "--num-samples", defaultValue = "1") int numSamples;
    @Option(names = "--no-score", description = "skip the teacher-forced divergence pass (no tokens table)") boolean noScore;
    @Option(names = "--partitions", defaultValue = "0", description = "Spark tasks (0 = up to 4 per executor task slot, at least a batch each)") int partitions;
    @Option(names = "--batch-size", defaultValue = "8") int batchSize;
    @Option(names = "--device", defaultValue = "auto", description = "auto (task GPU, else CPU), cpu, gpu") String device;
    @Option(names = "--dtype", defaultValue = "auto", description = "auto, float32, float16 (GPU); bfloat16 checkpoints compute in float16: DJL 0.36 has no bfloat16") String dtype;
    @Option(names = "--no-incremental", description = "decode every prompt even if already written with the same config") boolean noIncremental;
    @Option(names = "--master", description = "Spark master (default: spark-submit's, else local[*])") String master;

    /** A plain or file: path as a local folder; null for other URIs. */
    static Path localFolder(String location) {
        if (location.startsWith("file:")) {
            return Path.of(java.net.URI.create(location));
        }
        return location.contains("://") ? null : Path.of(location);
    }

    /** The table format a file name implies (HONEST files are .tsv too: name them with --prompt-format honest). */
    static String formatOf(String file) {
        try {
            return org.specfair.prompts.PromptFormat.ofFileName(file).cliName();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": cannot tell the prompt format from the name; give --prompt-format honest|csv|tsv|jsonl|parquet");
        }
    }

    @Override
    public Integer call() {
        // generation_config.json defaults are read from local folders; a remote (hdfs://, s3a://) checkpoint's are
        // not copied to the driver for this, so give decoding options explicitly there (its eos ids still apply).
        DecodeConfig decode = decoding.toConfig(localFolder(main), assistant == null ? null : localFolder(assistant));
        GenerateOptions opts = new GenerateOptions(main, assistant, device, dtype, decode, numSamples, experiment, stage,
                out, partitions, batchSize, !noScore && assistant != null, !noIncremental, new HashSet<>());
        PromptColumns cols = new PromptColumns(idColumn, textColumn, groupColumn, identityColumn, templateColumn);
        SparkSession spark = Sessions.create("specfair generate " + experiment + "/" + stage, master);
        try {
            String fmt = format != null ? format : formatOf(prompts.get(0));
            List<Prompt> list = fmt.equalsIgnoreCase("parquet")
                    ? PromptSource.loadParquet(prompts, cols, spark)
                    : PromptSource.load(prompts.stream().map(Path::of).toList(), fmt, cols, honestSet, spark);
            GenerateJob.Summary s = GenerateJob.run(spark, opts, list);
            System.err.printf("specfair generate: run %s: %d prompts decoded (%d error rows), %d already written, %d model loads; tables under %s%n",
                    s.runId(), s.promptsDecoded(), s.errorRows(), s.promptsKept(), s.modelLoads(), out);
        } finally {
            spark.stop();
        }
        return 0;
    }
}
