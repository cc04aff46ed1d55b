package org.specfair.experiment;

import java.util.Map;

/**
 * The done record of a step, written under {@code ROOT/_experiments/EXPERIMENT/steps/} only after the step
 * finished (so a killed run leaves none, and the rerun redoes the step over its own partial writes).
 *
 * @param step     step id
 * @param key      hash of the step's inputs when it ran
 * @param outputs  what it produced (paths, fingerprints, counts)
 * @param finished UTC time, ISO-8601
 * @param seconds  wall time of the run
 */
public record StepRecord(String step, String key, Map<String, String> outputs, String finished, double seconds) {
}
