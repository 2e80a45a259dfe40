package io.memshift.cli;

import io.memshift.control.InvalidRequestException;
import io.memshift.embedded.EmbeddedStack;
import io.memshift.embedded.StackEndpoints;
import io.memshift.embedded.StackLayout;
import io.memshift.embedded.StackPorts;
import io.memshift.embedded.StackServer;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code memshift stack up|down|status|restart}: the embedded Kafka, schema registry and Elasticsearch. */
@Command(name = "stack", mixinStandardHelpOptions = true, description = "Start, stop or inspect the embedded stack (Kafka, schema registry, Elasticsearch).",
        subcommands = {StackCommand.Up.class, StackCommand.Down.class, StackCommand.Status.class,
                StackCommand.Restart.class})
final class StackCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    static class DataDirOption {
        @CommandLine.Mixin
        ConfigOption config = new ConfigOption();

        @Option(names = "--data-dir", description = "Where memshift keeps its data (default: <checkout>/.memshift).")
        Path dataDir;

        Path stackDir() {
            return MemshiftPaths.stackDir(MemshiftPaths.dataDir(dataDir));
        }
    }

    @Command(name = "up", mixinStandardHelpOptions = true, description = {"Start the embedded stack in the background and print its endpoints.",
            "On a stack partly running, start only the servers that are down (on the ports it was started with)."})
    static final class Up implements Callable<Integer> {
        @CommandLine.Mixin
        DataDirOption data = new DataDirOption();
        @Option(names = "--kafka-port", defaultValue = "9092", description = "Kafka listener port (default: ${DEFAULT-VALUE}).") int kafkaPort;
        @Option(names = "--kafka-controller-port", defaultValue = "9093", description = "Kafka KRaft controller port (default: ${DEFAULT-VALUE}).") int controllerPort;
        @Option(names = "--registry-port", defaultValue = "8081", description = "Schema registry port (default: ${DEFAULT-VALUE}).") int registryPort;
        @Option(names = "--es-port", defaultValue = "9200", description = "Elasticsearch HTTP port (default: ${DEFAULT-VALUE}).") int esPort;
        @Option(names = "--secure", description = {"Kafka on SASL_SSL (SCRAM-SHA-512, ACLs), the registry and"
                + " Elasticsearch behind TLS with credentials; CA and credentials are generated under the data folder,"
                + " and a config file for --config is written (its path printed as `config: <path>`).",
                "A data folder first started secured stays secured."})
        boolean secure;
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            Optional<EmbeddedStack> running = EmbeddedStack.findRunning(data.stackDir());
            if (running.isPresent() && secure && running.get().security().isEmpty()) {
                throw new InvalidRequestException("the embedded stack in " + data.stackDir() + " runs without --secure;"
                        + " stop it with ./memshift stack down, or use another --data-dir for a secured stack");
            }
            if (running.isPresent() && running.get().isHealthy()) {
                out.println("The embedded stack is already running:");
                printEndpoints(out, running.get().endpoints());
                return Memshift.EXIT_OK;
            }
            EmbeddedStack stack = startDetached(data.stackDir(),
                    new StackPorts(kafkaPort, controllerPort, registryPort, esPort), secure, out);
            out.println("The embedded stack is up (data in " + stack.dataDir() + "):");
            printEndpoints(out, stack.endpoints());
            out.println("Stop it with: ./memshift stack down");
            return Memshift.EXIT_OK;
        }
    }

    @Command(name = "restart", mixinStandardHelpOptions = true, description = {"Stop one server of the embedded stack and start it again (all three if none is named).",
            "Its data and port stay; the other servers keep running."})
    static final class Restart implements Callable<Integer> {
        @CommandLine.Mixin
        DataDirOption data = new DataDirOption();
        @CommandLine.Parameters(arity = "0..1", paramLabel = "kafka|registry|elasticsearch",
                description = "The server to restart (default: all three, one after the other).")
        String server;
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            List<StackServer> servers;
            try {
                servers = server == null ? List.of(StackServer.values()) : List.of(StackServer.of(server));
            } catch (IllegalArgumentException e) {
                throw new InvalidRequestException(e.getMessage());
            }
            Optional<EmbeddedStack> recorded = EmbeddedStack.recorded(data.stackDir());
            if (recorded.isEmpty()) {
                out.println("No embedded stack was started from " + data.stackDir()
                        + "; start it with ./memshift stack up");
                return Memshift.EXIT_FAILED;
            }
            EmbeddedStack stack = recorded.get();
            for (StackServer each : servers) {
                out.println("Restarting the " + each.displayName() + " ...");
                out.flush();
                stack = stack.restart(each, StackLayout.fromSystemProperty(), true, line -> {
                    out.println("  " + line);
                    out.flush();
                });
            }
            printEndpoints(out, stack.endpoints());
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
            if (recorded.get().isHealthy()) {
                return Memshift.EXIT_OK;
            }
            out.println("Start what is down with ./memshift stack up; restart a server that runs but does not answer"
                    + " with ./memshift stack restart <kafka|registry|elasticsearch>.");
            return Memshift.EXIT_FAILED;
        }
    }

    /** Starts what is down of the stack in {@code stackDir} (all of it if none runs), in the background. */
    static EmbeddedStack startDetached(Path stackDir, StackPorts ports, PrintWriter out) {
        return startDetached(stackDir, ports, false, out);
    }

    static EmbeddedStack startDetached(Path stackDir, StackPorts ports, boolean secure, PrintWriter out) {
        out.println("Starting the embedded stack (Kafka, schema registry, Elasticsearch" + (secure ? ", secured" : "")
                + ") ...");
        out.flush();
        return EmbeddedStack.up(StackLayout.fromSystemProperty(), stackDir, ports, secure, true, line -> {
            out.println("  " + line);
            out.flush();
        });
    }

    static void printEndpoints(PrintWriter out, StackEndpoints endpoints) {
        out.println("  Kafka bootstrap servers : " + endpoints.bootstrapServers());
        out.println("  Schema registry         : " + endpoints.schemaRegistryUrl());
        out.println("  Elasticsearch           : " + endpoints.elasticsearchUrl());
        if (endpoints.secured()) {
            // On a line of its own, for scripts: ./memshift migrate --config <path> ...
            out.println("Secured: Kafka SASL_SSL (SCRAM-SHA-512, ACLs), registry and Elasticsearch over TLS with"
                    + " credentials; the config file below refers to them");
            out.println("config: " + endpoints.configFile());
        }
        out.flush();
    }
}
