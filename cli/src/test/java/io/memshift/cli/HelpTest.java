package io.memshift.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.memshift.reembedder.EmbeddingModels;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Every command of the tree {@link Memshift#commandLine()} builds, found by walking it (so a command added later is
 * covered without touching this test): {@code --help} and {@code -h} exit 0 with its usage, whatever options it
 * requires; its options that take a source or a model name every kind and family; every default shows.
 */
@Tag("fast")
class HelpTest {

    /** One command of the tree: its words after {@code memshift}, and its model. */
    private record Node(List<String> path, CommandLine command) {
        String name() {
            return path.isEmpty() ? "memshift" : "memshift " + String.join(" ", path);
        }
    }

    private static List<Node> tree() {
        List<Node> nodes = new ArrayList<>();
        walk(Memshift.commandLine(), List.of(), nodes, new IdentityHashMap<>());
        return nodes;
    }

    private static void walk(CommandLine command, List<String> path, List<Node> nodes, Map<CommandLine, Boolean> seen) {
        if (seen.put(command, true) != null) {
            return; // an alias of a subcommand already walked
        }
        nodes.add(new Node(path, command));
        command.getSubcommands().forEach((name, sub) -> {
            List<String> subPath = new ArrayList<>(path);
            subPath.add(name);
            walk(sub, subPath, nodes, seen);
        });
    }

    @Test
    void theTreeHoldsEveryCommand() {
        assertThat(tree()).extracting(Node::name).contains("memshift", "memshift stack", "memshift stack up",
                "memshift stack down", "memshift stack status", "memshift migrate", "memshift export",
                "memshift reembed", "memshift import", "memshift ingest", "memshift verify", "memshift cutover",
                "memshift rollback", "memshift bench", "memshift bench import", "memshift bench embed",
                "memshift plan", "memshift search", "memshift serve", "memshift check", "memshift help");
    }

    @TestFactory
    Stream<DynamicTest> helpExitsZeroWithTheUsageForEveryCommand() {
        return tree().stream().flatMap(node -> Stream.of("--help", "-h").map(flag ->
                DynamicTest.dynamicTest(node.name() + " " + flag, () -> {
                    List<String> args = new ArrayList<>(node.path());
                    args.add(flag);
                    StringWriter out = new StringWriter();
                    StringWriter err = new StringWriter();
                    CommandLine commandLine = Memshift.commandLine();
                    commandLine.setOut(new PrintWriter(out, true));
                    commandLine.setErr(new PrintWriter(err, true));

                    int code = commandLine.execute(args.toArray(String[]::new));

                    assertThat(code).as(err.toString()).isZero();
                    assertThat(err.toString()).isEmpty();
                    assertThat(out.toString()).contains("Usage: " + node.name() + " [").contains("-h, --help");
                })));
    }

    @Test
    void everyCommandIsListedByAWholeSentence() {
        // A parent's command list shows only the first element of each description: a sentence cut at a comma read
        // as if the command did half of what it does.
        for (Node node : tree()) {
            String[] description = node.command().getCommandSpec().usageMessage().description();
            if (description.length > 0) {
                assertThat(description[0].strip()).as(node.name()).matches("(?s).*[.)!]");
            }
        }
    }

    @Test
    void helpGivesTheHelpOfACommandAtAnyDepthAndNamesWhatThereIsForAWrongOne() {
        StringWriter out = new StringWriter();
        CommandLine commandLine = Memshift.commandLine();
        commandLine.setOut(new PrintWriter(out, true));
        assertThat(commandLine.execute("help", "stack", "up")).isZero();
        // picocli's own help command showed the help of "stack" for "stack up".
        assertThat(out.toString()).startsWith("Usage: memshift stack up ");

        StringWriter err = new StringWriter();
        commandLine = Memshift.commandLine();
        commandLine.setErr(new PrintWriter(err, true));
        assertThat(commandLine.execute("help", "stack", "sideways")).isEqualTo(Memshift.EXIT_BAD_INPUT);
        assertThat(err.toString()).contains("Unknown command 'stack sideways'; stack has: ").contains("up")
                .contains("down").contains("status");
    }

    @Test
    void everyCommandAnswersVersionWithMemshiftsVersion() {
        for (Node node : tree()) {
            if (node.path().equals(List.of("help"))) {
                continue; // picocli's own help command takes no -V
            }
            List<String> args = new ArrayList<>(node.path());
            args.add("--version");
            StringWriter out = new StringWriter();
            CommandLine commandLine = Memshift.commandLine();
            commandLine.setOut(new PrintWriter(out, true));
            assertThat(commandLine.execute(args.toArray(String[]::new))).as(node.name()).isZero();
            assertThat(out.toString()).as(node.name()).startsWith("memshift ");
        }
    }

    @Test
    void everySourceOptionNamesEverySourceKind() {
        List<OptionSpec> sources = options("--source");
        assertThat(sources).hasSizeGreaterThanOrEqualTo(4); // migrate, export, verify, plan
        for (OptionSpec source : sources) {
            assertThat(String.join(" ", source.renderedDescription())).as(source.command().qualifiedName())
                    .contains(SourceUri.MEM0_JSON + ":", SourceUri.JSONL + ":", SourceUri.MEM0_ES + ":",
                            SourceUri.MEM0_QDRANT + ":", SourceUri.MEM0_API + ":");
        }
    }

    @Test
    void everyModelOptionNamesEveryModel() {
        List<OptionSpec> models = options("--model");
        assertThat(models).hasSizeGreaterThanOrEqualTo(7); // migrate, reembed, import, verify, plan, serve, bench embed
        for (OptionSpec model : models) {
            String help = String.join(" ", model.renderedDescription());
            for (String id : EmbeddingModels.ids()) {
                assertThat(help).as(model.command().qualifiedName()).contains(id);
            }
            // bench embed: in-process models only; bench e2e: those, stub:<dims> and the OpenAI stand-in
            if (!model.command().qualifiedName().startsWith("memshift bench ")) {
                assertThat(help).as(model.command().qualifiedName()).contains("openai:", "ollama:", "gemini:");
            }
        }
    }

    @Test
    void everyDefaultShowsInTheHelp() {
        for (Node node : tree()) {
            for (OptionSpec option : node.command().getCommandSpec().options()) {
                if (option.defaultValue() == null || option.arity().max() == 0) {
                    continue;
                }
                assertThat(String.join(" ", option.renderedDescription()))
                        .as(node.name() + " " + option.longestName()).contains(option.defaultValue());
            }
        }
    }

    private static List<OptionSpec> options(String name) {
        List<OptionSpec> found = new ArrayList<>();
        for (Node node : tree()) {
            OptionSpec option = node.command().getCommandSpec().findOption(name);
            if (option != null) {
                found.add(option);
            }
        }
        return found;
    }
}
