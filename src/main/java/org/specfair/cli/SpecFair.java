package org.specfair.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code specfair <command>}: the command-line face of the same code the Spark jobs run.
 * Results go to stdout (JSON or CSV); logs go to stderr. A user error prints one line, no stack trace.
 */
@Command(name = "specfair", mixinStandardHelpOptions = true, version = "specfair 0.1.0",
        description = "Speculative decoding fairness toolkit.",
        subcommands = {
                LogitsCommand.class,
                GenerateCommand.class,
                GenerateJobCommand.class,
                AggregateCommand.class,
                SqlCommand.class,
                ExportCommand.class,
                MakeCheckpointCommand.class,
                MakeDemoModelsCommand.class,
                ExperimentCommand.class,
                NightlyCommand.class,
                MakeSyntheticTablesCommand.class,
                FinetuneCommand.class,
                FinetunePlanCommand.class,
                CounterfactualCommand.class,
                TermCountsCommand.class,
                ReportCommand.class,
                JudgeCommand.class,
                CommandLine.HelpCommand.class})
public final class SpecFair implements Runnable {
    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** A job class's spark-submit {@code main}: runs {@code specfair <command> args...} and exits with its code. */
    public static void exitWith(String command, String[] args) {
        String[] full = new String[args.length + 1];
        full[0] = command;
        System.arraycopy(args, 0, full, 1, args.length);
        System.exit(run(full));
    }

    /** Runs a command line; user errors become one line on stderr and exit code 2. */
    public static int run(String... args) {
        CommandLine cli = new CommandLine(new SpecFair());
        cli.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            Throwable root = ex;
            while (root.getCause() != null && root.getMessage() == null) {
                root = root.getCause();
            }
            String message = root.getMessage() == null ? root.toString() : root.getMessage().strip().lines().findFirst().orElse("");
            cmd.getErr().println("specfair " + cmd.getCommandName() + ": " + message);
            if (Boolean.getBoolean("specfair.debug")) {
                ex.printStackTrace(cmd.getErr());
            }
            return 2;
        });
        return cli.execute(args);
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.err);
    }
}
