package org.specfair.experiment;

/**
 * spark-submit entry point ({@code --class org.specfair.experiment.ExperimentJob}): arguments as for
 * {@code jobs/experiment FILE [--out ROOT] [--master M] [--date D]}.
 */
public final class ExperimentJob {
    private ExperimentJob() {}

    public static void main(String[] args) {
        String[] full = new String[args.length + 1];
        full[0] = "experiment";
        System.arraycopy(args, 0, full, 1, args.length);
        System.exit(org.specfair.cli.SpecFair.run(full));
    }
}
