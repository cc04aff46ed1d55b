package org.specfair.experiment;

/** spark-submit entry point ({@code --class org.specfair.experiment.NightlyJob}): arguments as for {@code jobs/nightly}. */
public final class NightlyJob {
    private NightlyJob() {}

    public static void main(String[] args) {
        String[] full = new String[args.length + 1];
        full[0] = "nightly";
        System.arraycopy(args, 0, full, 1, args.length);
        System.exit(org.specfair.cli.SpecFair.run(full));
    }
}
