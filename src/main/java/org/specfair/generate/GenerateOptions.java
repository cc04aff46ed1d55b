package org.specfair.generate;

import org.specfair.decode.DecodeConfig;


import java.io.Serializable;
import java.util.Set;

/**
 * Everything a generation run needs, shipped to executors with the task.
 *
 * @param mainModel       main checkpoint folder: a local path or a Hadoop URI (hdfs://, s3a://, file://)
 * @param assistantModel  assistant checkpoint folder, or null (main-only without divergences)
 * @param device          auto (the task's Spark GPU, else CPU), cpu, or gpu
 * @param dtype           float32, float16 (GPU only) or auto (the checkpoint's torch_dtype on GPU, bfloat16 as float16; float32 on CPU)
 * @param decode          decoding configuration
 * @param numSamples      samples per prompt (sample_index 0..n-1; each has its own random stream)
 * @param experiment      partition value
 * @param stage           partition value (e.g. base, main-sst2, both-imdb)
 * @param outRoot         table root: outRoot/generations, outRoot/drafts, outRoot/tokens
 * @param partitions      Spark tasks (0 = from the prompt count and the executors' task slots; see TaskCount)
 * @param batchSize       prompts decoded together inside a task
 * @param score           run the teacher-forced divergence pass (tokens table)
 * @param incremental     skip prompts already written with the same run_id (config + fingerprints)
 * @param failFirstAttempt test hook: partitions whose first attempt throws after decoding
 */
public record GenerateOptions(String mainModel, String assistantModel, String device, String dtype,
                              DecodeConfig decode, int numSamples, String experiment, String stage,
                              String outRoot, int partitions, int batchSize, boolean score, boolean incremental,
                              Set<Integer> failFirstAttempt) implements Serializable {
    public GenerateOptions {
        if (batchSize < 1) {
            throw new IllegalArgumentException("--batch-size must be >= 1");
        }
        if (numSamples < 1) {
            throw new IllegalArgumentException("--num-samples must be >= 1");
        }
        if (experiment == null || experiment.isBlank() || stage == null || stage.isBlank()) {
            throw new IllegalArgumentException("--experiment and --stage must be non-empty");
        }
        failFirstAttempt = failFirstAttempt == null ? Set.of() : Set.copyOf(failFirstAttempt);
    }
}
