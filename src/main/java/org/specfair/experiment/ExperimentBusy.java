package org.specfair.experiment;

/** Another live process holds the run lock of this experiment (or of this nightly run): the message says who. */
public final class ExperimentBusy extends IllegalStateException {
    public ExperimentBusy(String message) {
        super(message);
    }
}
