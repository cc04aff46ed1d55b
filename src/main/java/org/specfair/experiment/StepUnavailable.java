package org.specfair.experiment;

/**
 * A step that cannot run in this build or with these inputs (the job it needs has not been built, or a
 * step it reads from did not run). The runner reports it as "not available" and goes on with the steps
 * that do not depend on it; it never fakes a result.
 */
public final class StepUnavailable extends RuntimeException {
    public StepUnavailable(String reason) {
        super(reason);
    }
}
