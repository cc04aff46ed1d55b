package org.specfair.experiment;

/**
 * spark-submit entry point ({@code --class org.specfair.experiment.ExperimentJob}): arguments as for
 * {@code jobs/experiment FILE [--out ROOT] [--master M] [--date D]}.
 */
public final class ExperimentJob {
    private ExperimentJob() {}

    public static void main(String[] args) {
        org.specfair.cli.SpecFair.exitWith("experiment", args);
    }
}
