package org.specfair.decode;

import java.io.Serializable;

/**
 * Everything that determines a generation besides the models and the prompt.
 *
 * @param mode                  speculative, main-only or assistant-only
 * @param temperature           0 = exact greedy; otherwise sampling (speculative sampling in SPECULATIVE mode)
 * @param topK                  0 = off
 * @param topP                  1.0 = off
 * @param schedule              draft-length policy
 * @param numAssistantTokens    initial (or constant) draft length
 * @param maxNewTokens          completion budget; ratio = n_matches / maxNewTokens
 * @param seed                  experiment seed; each (prompt, sample) derives its own stream from it
 * @param scoreTemperature      temperature of the teacher-forced divergence pass (1 = the raw models)
 * @param stopAtEos             stop a row when it emits an eos id (any of the main model's list)
 * @param confidenceThreshold   0 = off; otherwise the draft stops after a token the assistant gave less than this
 *                              probability (Hugging Face's {@code assistant_confidence_threshold}, v4.45+)
 * @param dynamicThreshold      adjust the threshold after each prompt from its rounds, as HF does (see
 *                              {@link ConfidenceThreshold}); the value carries from prompt to prompt
 */
public record DecodeConfig(Mode mode, double temperature, int topK, double topP, Schedule schedule,
                           int numAssistantTokens, int maxNewTokens, long seed, double scoreTemperature,
                           boolean stopAtEos, double confidenceThreshold, boolean dynamicThreshold) implements Serializable {
    /** Without a confidence threshold. */
    public DecodeConfig(Mode mode, double temperature, int topK, double topP, Schedule schedule, int numAssistantTokens,
                        int maxNewTokens, long seed, double scoreTemperature, boolean stopAtEos) {
        this(mode, temperature, topK, topP, schedule, numAssistantTokens, maxNewTokens, seed, scoreTemperature, stopAtEos, 0, false);
    }

    public DecodeConfig {
        if (!(confidenceThreshold >= 0 && confidenceThreshold < 1)) {
            throw new IllegalArgumentException("assistant_confidence_threshold must be in [0, 1), got " + confidenceThreshold);
        }
        if (dynamicThreshold && confidenceThreshold == 0) {
            throw new IllegalArgumentException("a dynamic confidence threshold needs a starting assistant_confidence_threshold > 0");
        }
        if (maxNewTokens < 1) {
            throw new IllegalArgumentException("max_new_tokens must be >= 1, got " + maxNewTokens);
        }
        if (numAssistantTokens < 1) {
            throw new IllegalArgumentException("num_assistant_tokens must be >= 1, got " + numAssistantTokens);
        }
        if (temperature < 0 || scoreTemperature <= 0) {
            throw new IllegalArgumentException("temperature must be >= 0 and the scoring temperature > 0");
        }
        if (topP <= 0 || topP > 1 || topK < 0) {
            throw new IllegalArgumentException("top_p must be in (0, 1] and top_k >= 0");
        }
    }

    public static DecodeConfig greedy(int maxNewTokens) {
        return new DecodeConfig(Mode.SPECULATIVE, 0, 0, 1.0, Schedule.HEURISTIC_TRANSIENT, 5, maxNewTokens, 0, 1.0, true);
    }

    /** Whether a prompt's decoding depends on the prompts decoded before it (carried draft length or threshold). */
    public boolean carriesState() {
        return mode == Mode.SPECULATIVE && (schedule.carriesOver() || dynamicThreshold);
    }

    public boolean sampling() {
        return temperature > 0;
    }

    public DecodeConfig withMode(Mode m) {
        return new DecodeConfig(m, temperature, topK, topP, schedule, numAssistantTokens, maxNewTokens, seed, scoreTemperature,
                stopAtEos, confidenceThreshold, dynamicThreshold);
    }

    public DecodeConfig withSchedule(Schedule s, int k) {
        return new DecodeConfig(mode, temperature, topK, topP, s, k, maxNewTokens, seed, scoreTemperature, stopAtEos,
                confidenceThreshold, dynamicThreshold);
    }

    public DecodeConfig withSampling(double t, int k, double p, long s) {
        return new DecodeConfig(mode, t, k, p, schedule, numAssistantTokens, maxNewTokens, s, scoreTemperature, stopAtEos,
                confidenceThreshold, dynamicThreshold);
    }

    /** {@code threshold} 0 = off; {@code dynamic}: HF's per-prompt adjustment, carried to the next prompt. */
    public DecodeConfig withConfidenceThreshold(double threshold, boolean dynamic) {
        return new DecodeConfig(mode, temperature, topK, topP, schedule, numAssistantTokens, maxNewTokens, seed, scoreTemperature,
                stopAtEos, threshold, dynamic);
    }

    /**
     * Hugging Face's assisted-generation defaults by version (transformers src/transformers/generation/
     * configuration_utils.py): up to v4.44 {@code num_assistant_tokens=5}, schedule {@code heuristic}; from v4.45
     * {@code num_assistant_tokens=20}, schedule {@code constant}, {@code assistant_confidence_threshold=0.4}.
     * Each prompt starts fresh, as in one {@code generate()} call (4.44 gives heuristic_transient; HF's state
     * carried across calls is {@code Schedule.HEURISTIC} / a dynamic threshold, chosen explicitly).
     */
    public DecodeConfig withHfDefaults(String version) {
        return switch (version) {
            case "4.44" -> withSchedule(Schedule.HEURISTIC_TRANSIENT, 5).withConfidenceThreshold(0, false);
            case "4.45" -> withSchedule(Schedule.CONSTANT, 20).withConfidenceThreshold(0.4, false);
            default -> throw new IllegalArgumentException("unknown Hugging Face defaults '" + version + "' (4.44, 4.45)");
        };
    }
}
