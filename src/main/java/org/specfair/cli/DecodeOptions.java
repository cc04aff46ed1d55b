package org.specfair.cli;

import org.specfair.decode.DecodeConfig;
import org.specfair.decode.Mode;
import org.specfair.decode.Schedule;

import picocli.CommandLine.Option;

/** Decoding options shared by {@code generate} and {@code generate-job} (a picocli mixin). */
final class DecodeOptions {
    @Option(names = "--max-new-tokens", defaultValue = "20", description = "completion budget (default ${DEFAULT-VALUE})")
    int maxNewTokens;

    @Option(names = "--mode", defaultValue = "speculative", description = "speculative, main-only, assistant-only")
    String mode;

    @Option(names = "--temperature", defaultValue = "0", description = "0 = exact greedy; > 0 samples (speculative sampling)")
    double temperature;

    @Option(names = "--top-k", defaultValue = "0", description = "0 = off")
    int topK;

    @Option(names = "--top-p", defaultValue = "1.0", description = "1.0 = off")
    double topP;

    @Option(names = "--num-assistant-tokens", defaultValue = "5", description = "initial (or constant) draft length")
    int numAssistantTokens;

    @Option(names = "--schedule", defaultValue = "heuristic_transient",
            description = "draft-length policy, Hugging Face's names: heuristic_transient (default: +2/-1, reset per prompt),"
                    + " heuristic (HF's: carried from prompt to prompt), constant")
    String schedule;

    @Option(names = "--assistant-confidence-threshold", defaultValue = "0",
            description = "stop a draft after a token the assistant gave less than this probability (HF >= 4.45 default 0.4; 0 = off)")
    double confidenceThreshold;

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

    DecodeConfig toConfig() {
        String notice = Schedule.notice(schedule);
        if (notice != null) {
            System.err.println("specfair: " + notice);
        }
        DecodeConfig cfg = new DecodeConfig(Mode.parse(mode), temperature, topK, topP, Schedule.parse(schedule),
                numAssistantTokens, maxNewTokens, seed, scoreTemperature, true, confidenceThreshold, dynamicThreshold);
        return hfDefaults == null ? cfg : cfg.withHfDefaults(hfDefaults.trim());
    }
}
