package org.specfair.experiment;

/** spark-submit entry point ({@code --class org.specfair.experiment.NightlyJob}): arguments as for {@code jobs/nightly}. */
public final class NightlyJob {
    private NightlyJob() {}

    public static void main(String[] args) {
        org.specfair.cli.SpecFair.exitWith("nightly", args);
    }
}
