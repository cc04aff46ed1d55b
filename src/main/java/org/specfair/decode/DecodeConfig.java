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
 * @param stopAtEos             stop a row when it emits eos
 */
public record DecodeConfig(Mode mode, double temperature, int topK, double topP, Schedule schedule,
                           int numAssistantTokens, int maxNewTokens, long seed, double scoreTemperature,
                           boolean stopAtEos) implements Serializable {
    public DecodeConfig {
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
        return new DecodeConfig(Mode.SPECULATIVE, 0, 0, 1.0, Schedule.HEURISTIC, 5, maxNewTokens, 0, 1.0, true);
    }

    public boolean sampling() {
        return temperature > 0;
    }

    public DecodeConfig withMode(Mode m) {
        return new DecodeConfig(m, temperature, topK, topP, schedule, numAssistantTokens, maxNewTokens, seed, scoreTemperature, stopAtEos);
    }

    public DecodeConfig withSchedule(Schedule s, int k) {
        return new DecodeConfig(mode, temperature, topK, topP, s, k, maxNewTokens, seed, scoreTemperature, stopAtEos);
    }

    public DecodeConfig withSampling(double t, int k, double p, long s) {
        return new DecodeConfig(mode, t, k, p, schedule, numAssistantTokens, maxNewTokens, s, scoreTemperature, stopAtEos);
    }
}
