package io.memshift.cli;

import io.memshift.control.ConfigFile;
import io.memshift.control.InvalidRequestException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

/**
 * Applies a config file's {@code defaults} section: each entry names an option without its dashes
 * ({@code model: onnx:bge-small-en-v15}, {@code batch-size: 128}) and stands for that option wherever a command has
 * it and the command line did not give it. The command runs again with those options added to its arguments, so a
 * default is checked and converted exactly as if it had been typed, and what was typed always wins. This happens
 * after a successful parse, and also after a failed one (a required {@code --model} left to the config file).
 */
final class ConfigDefaults implements CommandLine.IExecutionStrategy, CommandLine.IParameterExceptionHandler {

    private final CommandLine.IExecutionStrategy next = new CommandLine.RunLast();
    private final CommandLine.IParameterExceptionHandler original;

    ConfigDefaults(CommandLine.IParameterExceptionHandler original) {
        this.original = original;
    }

    @Override
    public int execute(ParseResult parseResult) {
        ParseResult leaf = parseResult;
        while (leaf.hasSubcommand()) {
            leaf = leaf.subcommand();
        }
        CommandLine root = parseResult.commandSpec().commandLine();
        String[] args = parseResult.originalArgs().toArray(String[]::new);
        List<String> added;
        try {
            added = missingOptions(args, leaf.commandSpec(), root.getCommandSpec());
        } catch (RuntimeException e) {
            return badConfig(root, e);
        }
        return added.isEmpty() ? next.execute(parseResult) : runAgain(root, args, added);
    }

    @Override
    public int handleParseException(CommandLine.ParameterException ex, String[] args) throws Exception {
        CommandLine root = ex.getCommandLine();
        while (root.getParent() != null) {
            root = root.getParent();
        }
        List<String> added;
        try {
            added = missingOptions(args, ex.getCommandLine().getCommandSpec(), root.getCommandSpec());
        } catch (RuntimeException e) {
            return badConfig(root, e);
        }
        return added.isEmpty() ? original.handleParseException(ex, args) : runAgain(root, args, added);
    }

    /** A config file that cannot be read or names an unknown option: bad input, said as the command says errors. */
    private static int badConfig(CommandLine root, RuntimeException e) {
        root.getErr().println("memshift: error: " + e.getMessage());
        root.getErr().flush();
        return Memshift.EXIT_BAD_INPUT;
    }

    private static int runAgain(CommandLine root, String[] args, List<String> added) {
        List<String> all = new ArrayList<>(Arrays.asList(args));
        all.addAll(added);
        CommandLine again = Memshift.commandLine();
        again.setOut(root.getOut());
        // Written through as it comes (progress, services), and its end kept to see which options an error names.
        StringBuilder said = new StringBuilder();
        java.io.PrintWriter through = root.getErr();
        again.setErr(new java.io.PrintWriter(new java.io.Writer() {
            @Override
            public void write(char[] text, int offset, int length) {
                through.write(text, offset, length);
                said.append(text, offset, length);
                if (said.length() > 8192) {
                    said.delete(0, said.length() - 4096);
                }
            }

            @Override
            public void flush() {
                through.flush();
            }

            @Override
            public void close() {
                through.flush();
            }
        }, true));
        int code = again.execute(all.toArray(String[]::new));
        if (code == Memshift.EXIT_BAD_INPUT) {
            // An error that names an option the user never typed: say where that option came from.
            List<String> named = added.stream().filter(a -> a.startsWith("--"))
                    .filter(name -> said.toString().contains(name)).toList();
            if (!named.isEmpty()) {
                root.getErr().println("memshift: note: " + String.join(", ", named) + (named.size() == 1 ? " was"
                        : " were") + " not typed but taken from the defaults of " + configFile(args).orElseThrow());
            }
        }
        root.getErr().flush();
        return code;
    }

    /** The options to add for {@code command}: each default it has that {@code args} do not give, as typed. */
    static List<String> missingOptions(String[] args, CommandSpec command, CommandSpec root) {
        Optional<Path> file = configFile(args);
        if (file.isEmpty() || command.findOption(ConfigOption.NAME) == null) {
            return List.of();
        }
        ConfigFile config = ConfigFile.load(file.get());
        List<String> added = new ArrayList<>();
        for (Map.Entry<String, String> entry : config.defaults().entrySet()) {
            String name = "--" + entry.getKey();
            if (name.equals(ConfigOption.NAME)) {
                throw new InvalidRequestException(config.path() + ": defaults.config: a config file cannot name another");
            }
            OptionSpec option = command.findOption(name);
            if (option == null) {
                if (!anyCommandHas(root, name)) {
                    TreeSet<String> known = new TreeSet<>();
                    collect(root, known);
                    throw new InvalidRequestException(config.path() + ": defaults." + entry.getKey() + ": no memshift command"
                            + " has an option " + name + "; options: " + known);
                }
                continue;
            }
            if (given(args, option)) {
                continue;
            }
            if (option.arity().max() == 0) {
                if (Boolean.parseBoolean(entry.getValue())) {
                    added.add(name);
                }
            } else {
                added.add(name);
                added.add(entry.getValue());
            }
        }
        return added;
    }

    /** The value of {@code --config} in {@code args}, as {@code --config f} or {@code --config=f}. */
    static Optional<Path> configFile(String[] args) {
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--")) {
                break;
            }
            if (args[i].equals(ConfigOption.NAME) && i + 1 < args.length) {
                return Optional.of(Path.of(args[i + 1]));
            }
            if (args[i].startsWith(ConfigOption.NAME + "=")) {
                return Optional.of(Path.of(args[i].substring(ConfigOption.NAME.length() + 1)));
            }
        }
        return Optional.empty();
    }

    private static boolean given(String[] args, OptionSpec option) {
        for (String arg : args) {
            for (String name : option.names()) {
                if (arg.equals(name) || arg.startsWith(name + "=")) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean anyCommandHas(CommandSpec spec, String name) {
        if (spec.findOption(name) != null) {
            return true;
        }
        return spec.subcommands().values().stream().anyMatch(sub -> anyCommandHas(sub.getCommandSpec(), name));
    }

    private static void collect(CommandSpec spec, TreeSet<String> names) {
        for (OptionSpec option : spec.options()) {
            if (!option.usageHelp() && !option.versionHelp() && !option.longestName().equals(ConfigOption.NAME)) {
                names.add(option.longestName().replaceFirst("^--?", ""));
            }
        }
        spec.subcommands().values().forEach(sub -> collect(sub.getCommandSpec(), names));
    }
}
