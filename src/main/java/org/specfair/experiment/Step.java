package org.specfair.experiment;

import java.util.Map;

/**
 * One unit of an experiment's work (make the demo pair, finetune a model for a stage, generate a stage,
 * judge, aggregate, report). The runner runs a step only when its key differs from the key recorded when
 * it last finished: the key hashes everything that decides the step's result (its settings and the
 * fingerprints of what it reads), so the same config and checkpoints are never computed twice.
 */
interface Step {
    /** Stable id, e.g. {@code generate/base}; also the name of its done record. */
    String id();

    /** What it does, for the progress line. */
    String describe();

    /**
     * Everything that decides this step's result, as text (the runner hashes it). Reads earlier steps'
     * outputs through {@code ctx}; throws {@link StepUnavailable} when it cannot run here.
     */
    String key(StepContext ctx);

    /** Does the work; returns what later steps and the lineage need (paths, fingerprints, counts). */
    Map<String, String> run(StepContext ctx);

    /** Whether a recorded result is still on disk (a deleted checkpoint folder means: run again). */
    default boolean stillThere(StepContext ctx, Map<String, String> outputs) {
        return true;
    }
}
