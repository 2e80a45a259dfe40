package io.memshift.cli;

import io.memshift.control.ClusterProbe;
import io.memshift.control.Diagnosis;
import io.memshift.control.InvalidRequestException;
import io.memshift.control.StageStoppedException;
import io.memshift.exporter.DeleteGuardException;
import io.memshift.exporter.InvalidSourceException;
import io.memshift.exporter.SourceUnavailableException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code memshift} command. Exit codes: 0 success; 1 the work failed or did not complete (the message says
 * what is missing); 2 bad usage or bad input (the message names the file, record and field); 3 the source could not
 * be reached or read (the message names it; trying again later may succeed).
 */
@Command(name = "memshift", mixinStandardHelpOptions = true, version = "memshift 0.1.0",
        description = "Moves Mem0 memories to a new embedding model through Kafka, exactly once, without downtime.",
        subcommands = {StackCommand.class, PlanCommand.class, MigrateCommand.class, ExportCommand.class, ReembedCommand.class, ImportCommand.class, IngestCommand.class, VerifyCommand.class, CutoverCommand.class,
                RollbackCommand.class, PipelinesCommand.class, SearchCommand.class, StatusCommand.class, CheckCommand.class, BenchCommand.class, ServeCommand.class, HelpCommand.class})
public final class Memshift implements Runnable {

    public static final int EXIT_OK = 0;
    public static final int EXIT_FAILED = 1;
    public static final int EXIT_BAD_INPUT = 2;
    public static final int EXIT_SOURCE_UNAVAILABLE = 3;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command line with memshift's error handling: a clear message, no stack trace, a meaningful exit code. */
    public static CommandLine commandLine() {
        CommandLine commandLine = new CommandLine(new Memshift());
        commandLine.setExecutionExceptionHandler((e, cmd, parsed) -> {
            PrintWriter err = cmd.getErr();
            err.println("memshift: error: " + e.getMessage());
            if (e instanceof StageStoppedException stopped) {
                err.println("memshift: next: " + stopped.diagnosis().nextStep(recovery(cmd)));
            }
            err.flush();
            if (e instanceof SourceUnavailableException) {
                return EXIT_SOURCE_UNAVAILABLE;
            }
            return e instanceof IllegalArgumentException
                    || e instanceof InvalidSourceException || e instanceof DeleteGuardException ? EXIT_BAD_INPUT : EXIT_FAILED;
        });
        sameVersion(commandLine, commandLine.getCommandSpec().version());
        // A config file's defaults stand for options not given (--config on every command).
        ConfigDefaults defaults = new ConfigDefaults(commandLine.getParameterExceptionHandler());
        commandLine.setExecutionStrategy(defaults);
        commandLine.setParameterExceptionHandler(defaults);
        return commandLine;
    }

    /** Every command takes {@code -V} (mixinStandardHelpOptions); each answers with memshift's version. */
    private static void sameVersion(CommandLine command, String[] version) {
        command.getCommandSpec().version(version);
        command.getSubcommands().values().forEach(sub -> sameVersion(sub, version));
    }

    /** The commands whose work a rerun takes up where it stopped; the others only read, or move an alias. */
    private static final Set<String> RESUMING_COMMANDS = Set.of("migrate", "export", "reembed", "import", "ingest");

    /** How the failed command ran: what re-runs it, which clusters are the embedded stack, where the log is. */
    private static Diagnosis.Recovery recovery(CommandLine cmd) {
        Set<ClusterProbe.Cluster> embedded = cmd.getCommandSpec().mixins().values().stream()
                .map(CommandLine.Model.CommandSpec::userObject)
                .filter(ClusterEndpoints.class::isInstance).map(ClusterEndpoints.class::cast)
                .findFirst().map(ClusterEndpoints::embeddedClusters).orElse(Set.of());
        String logDir = System.getProperty("memshift.logdir");
        return new Diagnosis.Recovery("./" + cmd.getCommandSpec().qualifiedName(), embedded,
                logDir == null ? null : Path.of(logDir, "memshift.log").toString(),
                RESUMING_COMMANDS.contains(cmd.getCommandName()));
    }
}
