package io.memshift.embedded;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.function.Consumer;

/**
 * The real local stack: a KRaft Kafka broker, a Confluent-API schema registry and an Elasticsearch node, each a
 * child JVM with its data under one folder. A stack started detached is recorded in {@code stack.properties} in
 * that folder so that a later command can find, check and stop it.
 */
public final class EmbeddedStack implements AutoCloseable {

    private static final String STATE_FILE = "stack.properties";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(180);
    private static final Duration STOP_GRACE = Duration.ofSeconds(30);

    private final Path dataDir;
    private final StackPorts ports;
    /** One per {@link StackServer}, in its order: the broker, the registry, Elasticsearch. */
    private final List<ChildProcess> processes;

    private EmbeddedStack(Path dataDir, StackPorts ports, List<ChildProcess> processes) {
        this.dataDir = dataDir;
        this.ports = ports;
        this.processes = List.copyOf(processes);
    }

    /**
     * Starts the three servers side by side and returns once each answers. On any failure the ones already
     * started are stopped again, so nothing is left half-up.
     */
    public static EmbeddedStack start(StackLayout layout, Path dataDir, StackPorts ports, boolean detach,
                                      Consumer<String> progress) {
        Path dir = dataDir.toAbsolutePath().normalize();
        Optional<EmbeddedStack> running = findRunning(dir);
        if (running.isPresent()) {
            throw new StackException("a stack is already running from " + dir + " (pids "
                    + running.get().pids() + "); `memshift stack down` stops it");
        }
        ports.requireAllFree();
        StackEndpoints endpoints = StackEndpoints.of(ports);
        List<ChildProcess> started = new ArrayList<>();
        try {
            for (StackServer server : StackServer.values()) {
                started.add(server.start(layout, dir, ports, detach));
            }
            EmbeddedStack stack = new EmbeddedStack(dir, ports, started);
            stack.record();
            for (StackServer server : StackServer.values()) {
                awaitReady(started.get(server.ordinal()), () -> server.isReady(endpoints), progress);
            }
            return stack;
        } catch (RuntimeException e) {
            started.forEach(p -> p.stop(Duration.ofSeconds(10)));
            deleteState(dir);
            throw e;
        }
    }

    /**
     * Brings the stack of {@code dataDir} up by starting what is down. A stack never started, or with every
     * server gone, starts whole on {@code ports}; a stack partly running keeps its running servers (waiting for
     * any still starting) and starts the others alone, on the ports it was first started with.
     */
    public static EmbeddedStack up(StackLayout layout, Path dataDir, StackPorts ports, boolean detach,
                                   Consumer<String> progress) {
        Path dir = dataDir.toAbsolutePath().normalize();
        Optional<EmbeddedStack> recorded = recorded(dir);
        if (recorded.isEmpty() || recorded.get().processes.stream().noneMatch(ChildProcess::isAlive)) {
            deleteState(dir);
            return start(layout, dir, ports, detach, progress);
        }
        EmbeddedStack stack = recorded.get();
        StackEndpoints endpoints = stack.endpoints();
        for (StackServer server : StackServer.values()) {
            ChildProcess process = stack.process(server);
            if (process.isAlive()) {
                if (server.isReady(endpoints)) {
                    progress.accept(String.format("%s already running (pid %d)", server.displayName(), process.pid()));
                } else {
                    awaitReady(process, () -> server.isReady(endpoints), progress);
                }
            } else {
                stack = stack.startOne(server, layout, detach, progress);
            }
        }
        return stack;
    }

    /**
     * Stops {@code server} (SIGTERM, then SIGKILL after a grace period) and starts it again on the same port and
     * data; the other servers keep running.
     *
     * @return the stack with the server's new process
     */
    public EmbeddedStack restart(StackServer server, StackLayout layout, boolean detach, Consumer<String> progress) {
        process(server).stop(STOP_GRACE);
        return startOne(server, layout, detach, progress);
    }

    /** Starts one server that is down, records its new pid, and waits until it answers. */
    private EmbeddedStack startOne(StackServer server, StackLayout layout, boolean detach, Consumer<String> progress) {
        server.requirePortsFree(ports);
        ChildProcess process = server.start(layout, dataDir, ports, detach);
        List<ChildProcess> now = new ArrayList<>(processes);
        now.set(server.ordinal(), process);
        EmbeddedStack stack = new EmbeddedStack(dataDir, ports, now);
        stack.record();
        try {
            StackEndpoints endpoints = stack.endpoints();
            awaitReady(process, () -> server.isReady(endpoints), progress);
        } catch (RuntimeException e) {
            process.stop(Duration.ofSeconds(10));
            throw e;
        }
        return stack;
    }

    private static void awaitReady(ChildProcess process, java.util.function.BooleanSupplier ready,
                                   Consumer<String> progress) {
        Instant begin = Instant.now();
        process.awaitReady(ready, START_TIMEOUT);
        progress.accept(String.format("%s ready (pid %d, %.1f s)", process.name(), process.pid(),
                Duration.between(begin, Instant.now()).toMillis() / 1000.0));
    }

    /** The stack recorded in {@code dataDir}, if all of its processes are still alive. */
    public static Optional<EmbeddedStack> findRunning(Path dataDir) {
        return recorded(dataDir).filter(stack -> stack.processes.stream().allMatch(ChildProcess::isAlive));
    }

    /** The stack recorded in {@code dataDir}, alive or not. */
    public static Optional<EmbeddedStack> recorded(Path dataDir) {
        Path dir = dataDir.toAbsolutePath().normalize();
        Path state = dir.resolve(STATE_FILE);
        if (!Files.exists(state)) {
            return Optional.empty();
        }
        Properties props = new Properties();
        try (Reader reader = Files.newBufferedReader(state, StandardCharsets.UTF_8)) {
            props.load(reader);
        } catch (IOException e) {
            throw new StackException("cannot read " + state, e);
        }
        StackPorts ports = new StackPorts(intOf(props, "port.kafka"), intOf(props, "port.kafka-controller"),
                intOf(props, "port.registry"), intOf(props, "port.elasticsearch"));
        List<ChildProcess> processes = new ArrayList<>();
        for (StackServer server : StackServer.values()) {
            processes.add(ChildProcess.attach(server.displayName(), longOf(props, "pid." + server.key()),
                    server.logFile(dir)));
        }
        return Optional.of(new EmbeddedStack(dir, ports, processes));
    }

    public StackEndpoints endpoints() {
        return StackEndpoints.of(ports);
    }

    public StackPorts ports() {
        return ports;
    }

    public Path dataDir() {
        return dataDir;
    }

    public List<ChildProcess> processes() {
        return processes;
    }

    public ChildProcess process(StackServer server) {
        return processes.get(server.ordinal());
    }

    /** One line per server: alive, answering, pid, endpoint. */
    public List<String> statusLines() {
        StackEndpoints endpoints = endpoints();
        List<String> lines = new ArrayList<>();
        for (StackServer server : StackServer.values()) {
            lines.add(statusLine(process(server), server.endpoint(endpoints), server.isReady(endpoints)));
        }
        return lines;
    }

    /** True if every server is alive and answers. */
    public boolean isHealthy() {
        StackEndpoints endpoints = endpoints();
        return processes.stream().allMatch(ChildProcess::isAlive)
                && Arrays.stream(StackServer.values()).allMatch(server -> server.isReady(endpoints));
    }

    private static String statusLine(ChildProcess process, String endpoint, boolean answering) {
        String state = !process.isAlive() ? "DOWN" : answering ? "UP" : "NOT ANSWERING";
        return String.format("%-20s %-14s pid %-8d %s", process.name(), state, process.pid(), endpoint);
    }

    /** Stops the servers in reverse order of dependence (clients of Kafka first), then forgets the stack. */
    @Override
    public void close() {
        for (int i = processes.size() - 1; i >= 0; i--) {
            processes.get(i).stop(STOP_GRACE);
        }
        deleteState(dataDir);
    }

    private String pids() {
        return processes.stream().map(p -> Long.toString(p.pid())).reduce((a, b) -> a + ", " + b).orElse("");
    }

    private void record() {
        Properties props = new Properties();
        props.setProperty("port.kafka", Integer.toString(ports.kafka()));
        props.setProperty("port.kafka-controller", Integer.toString(ports.kafkaController()));
        props.setProperty("port.registry", Integer.toString(ports.schemaRegistry()));
        props.setProperty("port.elasticsearch", Integer.toString(ports.elasticsearch()));
        for (StackServer server : StackServer.values()) {
            props.setProperty("pid." + server.key(), Long.toString(process(server).pid()));
        }
        try {
            Files.createDirectories(dataDir);
            try (Writer writer = Files.newBufferedWriter(dataDir.resolve(STATE_FILE), StandardCharsets.UTF_8)) {
                props.store(writer, "memshift embedded stack: written by `memshift stack up`, removed by `stack down`");
            }
        } catch (IOException e) {
            throw new StackException("cannot record the stack in " + dataDir, e);
        }
    }

    private static void deleteState(Path dataDir) {
        try {
            Files.deleteIfExists(dataDir.resolve(STATE_FILE));
        } catch (IOException ignored) {
            // a stale state file is detected later by its dead pids
        }
    }

    private static int intOf(Properties props, String key) {
        return (int) longOf(props, key);
    }

    private static long longOf(Properties props, String key) {
        String value = props.getProperty(key);
        if (value == null) {
            throw new StackException("the stack state file lacks " + key + "; delete it and start again");
        }
        return Long.parseLong(value.trim());
    }
}
