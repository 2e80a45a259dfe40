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
    /** Where a secured stack's {@link TlsGateway} is in {@link #processes}, after the servers. */
    private static final int GATEWAY = StackServer.values().length;

    /** One per {@link StackServer}, in its order: the broker, the registry, Elasticsearch; then a secured stack's gateway. */
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
        return start(layout, dataDir, ports, false, detach, progress);
    }

    /**
     * As {@link #start(StackLayout, Path, StackPorts, boolean, Consumer)}; with {@code secure}, or for a stack
     * first started secured, the broker listens on SASL_SSL and the registry and Elasticsearch behind a
     * {@link TlsGateway} on their ports (see {@link StackSecurity}), and the stack writes its config file.
     */
    public static EmbeddedStack start(StackLayout layout, Path dataDir, StackPorts ports, boolean secure,
                                      boolean detach, Consumer<String> progress) {
        Path dir = dataDir.toAbsolutePath().normalize();
        Optional<EmbeddedStack> running = findRunning(dir);
        if (running.isPresent()) {
            throw new StackException("a stack is already running from " + dir + " (pids "
                    + running.get().pids() + "); `memshift stack down` stops it");
        }
        ports.requireAllFree();
        StackSecurity security = secure ? secureOrRefuse(dir) : StackSecurity.find(dir).orElse(null);
        // Secured, the registry and Elasticsearch move to loopback ports of their own, behind the gateway.
        StackPorts servers = security == null ? ports : security.chooseInnerPorts(ports);
        List<ChildProcess> started = new ArrayList<>();
        try {
            for (StackServer server : StackServer.values()) {
                started.add(server.start(layout, dir, servers, detach));
            }
            if (security != null) {
                started.add(TlsGateway.start(security, ports, servers, detach));
            }
            EmbeddedStack stack = new EmbeddedStack(dir, ports, started);
            stack.record();
            for (StackServer server : StackServer.values()) {
                awaitReady(started.get(server.ordinal()), () -> stack.isReady(server), progress);
            }
            if (security != null) {
                awaitReady(started.get(GATEWAY), stack::gatewayReady, progress);
                security.grantPipelineAcls(stack.endpoints().bootstrapServers());
                security.writeConfigFile(stack.endpoints());
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
        return up(layout, dataDir, ports, false, detach, progress);
    }

    /** As {@link #up(StackLayout, Path, StackPorts, boolean, Consumer)}, a new stack secured if {@code secure}. */
    public static EmbeddedStack up(StackLayout layout, Path dataDir, StackPorts ports, boolean secure, boolean detach,
                                   Consumer<String> progress) {
        Path dir = dataDir.toAbsolutePath().normalize();
        Optional<EmbeddedStack> recorded = recorded(dir);
        if (recorded.isEmpty() || recorded.get().processes.stream().noneMatch(ChildProcess::isAlive)) {
            deleteState(dir);
            return start(layout, dir, ports, secure, detach, progress);
        }
        EmbeddedStack stack = recorded.get();
        if (secure && stack.security().isEmpty()) {
            throw new StackException("the stack in " + dir + " runs without --secure; stop it (stack down) and use"
                    + " another --data-dir for a secured stack");
        }
        for (StackServer server : StackServer.values()) {
            ChildProcess process = stack.process(server);
            if (process.isAlive()) {
                EmbeddedStack current = stack;
                if (current.isReady(server)) {
                    progress.accept(String.format("%s already running (pid %d)", server.displayName(), process.pid()));
                } else {
                    awaitReady(process, () -> current.isReady(server), progress);
                }
            } else {
                stack = stack.startOne(server, layout, detach, progress);
            }
        }
        if (stack.security().isPresent() && (stack.processes.size() <= GATEWAY || !stack.processes.get(GATEWAY).isAlive())) {
            stack = stack.startGateway(detach, progress);
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
        StackPorts own = serverPorts();
        server.requirePortsFree(own);
        ChildProcess process = server.start(layout, dataDir, own, detach);
        List<ChildProcess> now = new ArrayList<>(processes);
        now.set(server.ordinal(), process);
        EmbeddedStack stack = new EmbeddedStack(dataDir, ports, now);
        stack.record();
        try {
            awaitReady(process, () -> stack.isReady(server), progress);
        } catch (RuntimeException e) {
            process.stop(Duration.ofSeconds(10));
            throw e;
        }
        return stack;
    }

    /** Starts the secured stack's gateway again (it was down), records it, and waits until it answers. */
    private EmbeddedStack startGateway(boolean detach, Consumer<String> progress) {
        StackSecurity security = security().orElseThrow();
        ChildProcess gateway = TlsGateway.start(security, ports, serverPorts(), detach);
        List<ChildProcess> now = new ArrayList<>(processes.subList(0, GATEWAY));
        now.add(gateway);
        EmbeddedStack stack = new EmbeddedStack(dataDir, ports, now);
        stack.record();
        awaitReady(gateway, stack::gatewayReady, progress);
        return stack;
    }

    /** A stack whose Kafka data predates its security cannot be secured: its broker has no users to log in as. */
    private static StackSecurity secureOrRefuse(Path dir) {
        if (StackSecurity.find(dir).isEmpty() && Files.exists(dir.resolve("kafka/data/meta.properties"))) {
            throw new StackException("the stack in " + dir + " was first started without --secure, and its Kafka data"
                    + " has no users to secure it with; use another --data-dir for a secured stack");
        }
        return StackSecurity.ensure(dir);
    }

    /** The stack's security, if it is a secured one. */
    public Optional<StackSecurity> security() {
        return StackSecurity.find(dataDir);
    }

    /** Where the servers themselves listen: the registry and Elasticsearch move behind the gateway when secured. */
    private StackPorts serverPorts() {
        return security().map(s -> s.innerPorts(ports)).orElse(ports);
    }

    /** True once {@code server} answers, asked on its own port (a secured broker as the stack's admin). */
    private boolean isReady(StackServer server) {
        Optional<StackSecurity> security = security();
        if (security.isPresent() && server == StackServer.KAFKA) {
            return KafkaBroker.isReady(endpoints().bootstrapServers(),
                    security.get().kafkaClientProperties(StackSecurity.KAFKA_ADMIN));
        }
        return server.isReady(StackEndpoints.of(serverPorts()));
    }

    /** True once the gateway lets the stack's user through to both servers (or if the stack has none). */
    private boolean gatewayReady() {
        StackEndpoints endpoints = endpoints();
        return security().map(s -> s.httpsOk(endpoints.schemaRegistryUrl() + "/subjects")
                && s.httpsOk(endpoints.elasticsearchUrl() + "/_cluster/health")).orElse(true);
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
        if (props.containsKey("pid.gateway")) {
            processes.add(ChildProcess.attach(TlsGateway.NAME, longOf(props, "pid.gateway"), TlsGateway.logFile(dir)));
        }
        return Optional.of(new EmbeddedStack(dir, ports, processes));
    }

    public StackEndpoints endpoints() {
        return StackEndpoints.of(ports, security().orElse(null));
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
            lines.add(statusLine(process(server), server.endpoint(endpoints), isReady(server)));
        }
        if (processes.size() > GATEWAY) {
            lines.add(statusLine(processes.get(GATEWAY), endpoints.schemaRegistryUrl() + " " + endpoints.elasticsearchUrl(),
                    gatewayReady()));
        }
        return lines;
    }

    /** True if every server is alive and answers. */
    public boolean isHealthy() {
        return processes.stream().allMatch(ChildProcess::isAlive)
                && Arrays.stream(StackServer.values()).allMatch(this::isReady) && gatewayReady();
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
        if (processes.size() > GATEWAY) {
            props.setProperty("pid.gateway", Long.toString(processes.get(GATEWAY).pid()));
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
