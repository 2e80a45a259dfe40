package io.memshift.cli;

import io.memshift.embedded.EmbeddedStack;
import io.memshift.embedded.StackEndpoints;
import io.memshift.embedded.StackLayout;
import io.memshift.embedded.StackPorts;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code memshift stack up|down|status}: the embedded Kafka, schema registry and Elasticsearch. */
@Command(name = "stack", mixinStandardHelpOptions = true, description = "Start, stop or inspect the embedded stack (Kafka, schema registry, Elasticsearch).",
        subcommands = {StackCommand.Up.class, StackCommand.Down.class, StackCommand.Status.class})
final class StackCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    static class DataDirOption {
        @Option(names = "--data-dir", description = "Where memshift keeps its data (default: <checkout>/.memshift).")
        Path dataDir;

        Path stackDir() {
            return MemshiftPaths.stackDir(MemshiftPaths.dataDir(dataDir));
        }
    }

    @Command(name = "up", mixinStandardHelpOptions = true, description = "Start the embedded stack in the background and print its endpoints.")
    static final class Up implements Callable<Integer> {
        @CommandLine.Mixin
        DataDirOption data = new DataDirOption();
        @Option(names = "--kafka-port", defaultValue = "9092", description = "Kafka listener port (default: ${DEFAULT-VALUE}).") int kafkaPort;
        @Option(names = "--kafka-controller-port", defaultValue = "9093", description = "Kafka KRaft controller port (default: ${DEFAULT-VALUE}).") int controllerPort;
        @Option(names = "--registry-port", defaultValue = "8081", description = "Schema registry port (default: ${DEFAULT-VALUE}).") int registryPort;
        @Option(names = "--es-port", defaultValue = "9200", description = "Elasticsearch HTTP port (default: ${DEFAULT-VALUE}).") int esPort;
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            Optional<EmbeddedStack> running = EmbeddedStack.findRunning(data.stackDir());
            if (running.isPresent()) {
                out.println("The embedded stack is already running:");
                printEndpoints(out, running.get().endpoints());
                return Memshift.EXIT_OK;
            }
            EmbeddedStack stack = startDetached(data.stackDir(),
                    new StackPorts(kafkaPort, controllerPort, registryPort, esPort), out);
            out.println("The embedded stack is up (data in " + stack.dataDir() + "):");
            printEndpoints(out, stack.endpoints());
            out.println("Stop it with: ./memshift stack down");
            return Memshift.EXIT_OK;
        }
    }

    @Command(name = "down", mixinStandardHelpOptions = true, description = "Stop the embedded stack (its data stays for the next `stack up`).")
    static final class Down implements Callable<Integer> {
        @CommandLine.Mixin
        DataDirOption data = new DataDirOption();
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            Optional<EmbeddedStack> recorded = EmbeddedStack.recorded(data.stackDir());
            if (recorded.isEmpty()) {
                out.println("No embedded stack is running from " + data.stackDir());
                return Memshift.EXIT_OK;
            }
            recorded.get().close();
            out.println("The embedded stack is stopped (data kept in " + data.stackDir() + ").");
            return Memshift.EXIT_OK;
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true, description = "Show whether each server of the embedded stack is up. Exit 0 only if all are.")
    static final class Status implements Callable<Integer> {
        @CommandLine.Mixin
        DataDirOption data = new DataDirOption();
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            Optional<EmbeddedStack> recorded = EmbeddedStack.recorded(data.stackDir());
            if (recorded.isEmpty()) {
                out.println("The embedded stack is not running (start it with ./memshift stack up).");
                return Memshift.EXIT_FAILED;
            }
            recorded.get().statusLines().forEach(out::println);
            return recorded.get().isHealthy() ? Memshift.EXIT_OK : Memshift.EXIT_FAILED;
        }
    }

    static EmbeddedStack startDetached(Path stackDir, StackPorts ports, PrintWriter out) {
        out.println("Starting the embedded stack (Kafka, schema registry, Elasticsearch) ...");
        out.flush();
        return EmbeddedStack.start(StackLayout.fromSystemProperty(), stackDir, ports, true, line -> {
            out.println("  " + line);
            out.flush();
        });
    }

    static void printEndpoints(PrintWriter out, StackEndpoints endpoints) {
        out.println("  Kafka bootstrap servers : " + endpoints.bootstrapServers());
        out.println("  Schema registry         : " + endpoints.schemaRegistryUrl());
        out.println("  Elasticsearch           : " + endpoints.elasticsearchUrl());
        out.flush();
    }
}
