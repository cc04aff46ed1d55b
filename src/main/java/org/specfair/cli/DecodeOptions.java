package org.specfair.cli;

import org.specfair.checkpoint.GenerationConfig;
import org.specfair.decode.DecodeChoices;
import org.specfair.decode.DecodeConfig;
import org.specfair.decode.Schedule;

import java.nio.file.Files;
import java.nio.file.Path;

import picocli.CommandLine.Option;

/** Decoding options shared by {@code generate} and {@code generate-job} (a picocli mixin). */
final class DecodeOptions {
    @Option(names = "--max-new-tokens", description = "completion budget (default: generation_config.json's max_new_tokens, else 20)")
    Integer maxNewTokens;

    @Option(names = "--mode", defaultValue = "speculative", description = "speculative, main-only, assistant-only")
    String mode;

    @Option(names = "--temperature", description = "0 = exact greedy; > 0 samples (speculative sampling). Default: greedy,"
            + " unless the main model's generation_config.json sets do_sample (then its temperature / top_k / top_p)")
    Double temperature;

    @Option(names = "--top-k", description = "0 = off")
    Integer topK;

    @Option(names = "--top-p", description = "1.0 = off")
    Double topP;

    @Option(names = "--num-assistant-tokens", description = "initial (or constant) draft length (default 5, or the assistant's generation_config.json)")
    Integer numAssistantTokens;

    @Option(names = "--schedule",
            description = "draft-length policy, Hugging Face's names: heuristic_transient (default: +2/-1, reset per prompt),"
                    + " heuristic (HF's: carried from prompt to prompt), constant")
    String schedule;

    @Option(names = "--assistant-confidence-threshold",
            description = "stop a draft after a token the assistant gave less than this probability (HF >= 4.45 default 0.4; 0 = off)")
    Double confidenceThreshold;

    @Option(names = "--dynamic-confidence-threshold",
            description = "adjust the threshold after each prompt from its rounds, carried to the next prompt, as HF does")
    boolean dynamicThreshold;

    @Option(names = "--hf-defaults", paramLabel = "VERSION",
            description = "Hugging Face's assistant defaults of a version: 4.44 (heuristic, 5 tokens) or 4.45"
                    + " (constant, 20 tokens, confidence threshold 0.4); replaces --schedule, --num-assistant-tokens and"
                    + " the threshold")
    String hfDefaults;

    @Option(names = "--seed", defaultValue = "0", description = "experiment seed (each prompt derives its own stream)")
    long seed;

    @Option(names = "--score-temperature", defaultValue = "1.0", description = "temperature of the divergence pass")
    double scoreTemperature;

    /**
     * The decoding config: these options where given, else the checkpoints' generation_config.json (local folders;
     * {@code mainDir} / {@code assistantDir} may be null), else SpecFair's defaults ({@link DecodeChoices}).
     */
    DecodeConfig toConfig(Path mainDir, Path assistantDir) {
        if (schedule != null && Schedule.notice(schedule) != null) {
            System.err.println("specfair: " + Schedule.notice(schedule));
        }
        DecodeChoices choices = new DecodeChoices(mode, maxNewTokens, temperature, topK, topP, schedule, numAssistantTokens,
                confidenceThreshold, dynamicThreshold, hfDefaults, seed, scoreTemperature);
        return choices.resolve(generationConfig(mainDir), generationConfig(assistantDir));
    }

    private static GenerationConfig generationConfig(Path dir) {
        return dir == null || !Files.isDirectory(dir) ? GenerationConfig.NONE : GenerationConfig.read(dir);
    }
}
