package org.specfair.decode;

import org.specfair.checkpoint.GenerationConfig;

/**
 * Decoding settings as a user gave them (null = not given), resolved the way {@code transformers}' {@code generate()}
 * resolves its arguments: what the user passes wins, then the checkpoint's {@code generation_config.json}
 * (sampling and budget from the main model's, draft settings from the assistant's, as HF reads
 * {@code assistant_model.generation_config}), then SpecFair's defaults (greedy, 20 new tokens,
 * {@code heuristic_transient} with 5 draft tokens, no confidence threshold). {@code hfDefaults} (4.44 / 4.45)
 * replaces the draft settings with those HF versions' defaults.
 */
public record DecodeChoices(String mode, Integer maxNewTokens, Double temperature, Integer topK, Double topP,
                            String schedule, Integer numAssistantTokens, Double confidenceThreshold,
                            boolean dynamicThreshold, String hfDefaults, long seed, double scoreTemperature) {

    public DecodeConfig resolve(GenerationConfig main, GenerationConfig assistant) {
        int budget = first(maxNewTokens, main.maxNewTokens(), 20);
        double t;
        int k;
        double p;
        if (temperature != null || !Boolean.TRUE.equals(main.doSample())) {
            t = temperature == null ? 0 : temperature;
            k = first(topK, null, 0);
            p = first(topP, null, 1.0);
        } else { // the checkpoint asks for sampling (do_sample) and the user did not choose: HF's warper defaults
            t = first(null, main.temperature(), 1.0);
            k = first(topK, main.topK(), 50);
            p = first(topP, main.topP(), 1.0);
        }
        Schedule s = Schedule.parse(first(schedule, assistant.numAssistantTokensSchedule(), "heuristic_transient"));
        int n = first(numAssistantTokens, assistant.numAssistantTokens(), 5);
        double threshold = first(confidenceThreshold, assistant.assistantConfidenceThreshold(), 0.0);
        DecodeConfig cfg = new DecodeConfig(Mode.parse(mode), t, k, p, s, n, budget, seed, scoreTemperature, true,
                threshold, dynamicThreshold);
        return hfDefaults == null ? cfg : cfg.withHfDefaults(hfDefaults.trim());
    }

    private static <T> T first(T user, T checkpoint, T dflt) {
        return user != null ? user : checkpoint != null ? checkpoint : dflt;
    }
}
