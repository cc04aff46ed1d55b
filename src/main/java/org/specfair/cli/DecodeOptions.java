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

    @Option(names = "--schedule", defaultValue = "heuristic", description = "heuristic, constant, carry-over")
    String schedule;

    @Option(names = "--seed", defaultValue = "0", description = "experiment seed (each prompt derives its own stream)")
    long seed;

    @Option(names = "--score-temperature", defaultValue = "1.0", description = "temperature of the divergence pass")
    double scoreTemperature;

    DecodeConfig toConfig() {
        return new DecodeConfig(Mode.parse(mode), temperature, topK, topP, Schedule.parse(schedule),
                numAssistantTokens, maxNewTokens, seed, scoreTemperature, true);
    }
}
