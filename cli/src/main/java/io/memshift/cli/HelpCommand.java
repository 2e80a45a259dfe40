package io.memshift.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code memshift help [COMMAND...]}: the help of a command at any depth ({@code help stack up}), which picocli's
 * own help command cannot give (it takes one name, and showed the help of {@code stack} for {@code stack up}).
 */
@Command(name = "help", helpCommand = true, mixinStandardHelpOptions = true, version = "memshift 0.1.0",
        description = "Shows the help of a command, at any depth: help migrate, help stack up.")
final class HelpCommand implements Runnable {

    @Parameters(paramLabel = "COMMAND", arity = "0..*",
            description = "The command, with its subcommands (e.g. stack up); none for memshift's own help.")
    String[] path = {};

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        CommandLine target = spec.commandLine().getParent();
        for (int i = 0; i < path.length; i++) {
            CommandLine sub = target.getSubcommands().get(path[i]);
            if (sub == null) {
                throw new CommandLine.ParameterException(spec.commandLine(), "Unknown command '"
                        + String.join(" ", java.util.Arrays.copyOf(path, i + 1)) + "'"
                        + (target.getSubcommands().isEmpty() ? ": " + target.getCommandName() + " has no subcommands"
                        : "; " + target.getCommandName() + " has: "
                        + String.join(", ", target.getSubcommands().keySet())));
            }
            target = sub;
        }
        PrintWriter out = spec.commandLine().getOut();
        target.usage(out);
        out.flush();
    }
}
