package io.memshift.embedded;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

/** A single-node KRaft Kafka (broker and controller in one JVM), as a child process. */
final class KafkaBroker {

    static final String NAME = "Kafka broker";

    private KafkaBroker() {
    }

    static ChildProcess start(StackLayout layout, Path dataDir, StackPorts ports, boolean detach) {
        Path dir = dataDir.resolve("kafka");
        Path logDirs = dir.resolve("data");
        Path config = dir.resolve("server.properties");
        Path log4j = dir.resolve("log4j2.properties");
        String classpath = layout.kafkaLib().resolve("*").toString();
        // A stack with a secure/ folder is a secured one (stack up --secure), for good: its users live in the log.
        Optional<StackSecurity> security = StackSecurity.find(dataDir);
        try {
            Files.createDirectories(dir);
            Files.writeString(config, serverProperties(ports, logDirs, security), StandardCharsets.UTF_8);
            Files.writeString(log4j, LOG4J, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new StackException("cannot write the Kafka configuration under " + dir, e);
        }
        String java = StackLayout.javaExecutable();
        if (!Files.exists(logDirs.resolve("meta.properties"))) {
            format(java, classpath, config, log4j, dir, security);
        }
        return ChildProcess.start(NAME, List.of(java, "-Xmx256m", "-Xms64m",
                        "-Dlog4j2.configurationFile=" + log4j,
                        "-cp", classpath, "kafka.Kafka", config.toString()),
                dir, dir.resolve("broker.log"), detach);
    }

    /** Asks the broker itself: true once it answers a metadata request. */
    static boolean isReady(String bootstrapServers) {
        return isReady(bootstrapServers, Map.of());
    }

    /** As {@link #isReady(String)}, as the client that {@code clientProperties} make (a secured broker's admin). */
    static boolean isReady(String bootstrapServers, Map<String, String> clientProperties) {
        Properties props = new Properties();
        props.putAll(clientProperties);
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        // A TLS handshake and a SCRAM exchange in a fresh JVM take seconds on a busy machine, not milliseconds.
        int timeoutMs = clientProperties.isEmpty() ? 2000 : 15000;
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, timeoutMs);
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, timeoutMs);
        props.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 500);
        try (Admin admin = Admin.create(props)) {
            return !admin.describeCluster().nodes().get(timeoutMs, TimeUnit.MILLISECONDS).isEmpty();
        } catch (Exception e) {
            return false;
        }
    }

    private static void format(String java, String classpath, Path config, Path log4j, Path dir,
                               Optional<StackSecurity> security) {
        Path formatLog = dir.resolve("format.log");
        List<String> command = new ArrayList<>(List.of(java, "-Xmx128m",
                "-Dlog4j2.configurationFile=" + log4j, "-cp", classpath,
                "kafka.tools.StorageTool", "format", "--standalone", "-t", clusterId(), "-c", config.toString()));
        // KRaft: SCRAM users exist from the first start only if the storage is formatted with them.
        security.ifPresent(s -> command.addAll(s.scramFormatArguments()));
        ChildProcess formatter = ChildProcess.start("Kafka storage formatter", command, dir, formatLog, false);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (formatter.isAlive()) {
            if (System.nanoTime() > deadline) {
                formatter.stop(Duration.ofSeconds(1));
                throw new StackException("formatting Kafka's storage took over 60 s; see " + formatLog);
            }
            ChildProcess.sleep(100);
        }
        if (!Files.exists(dir.resolve("data").resolve("meta.properties"))) {
            throw new StackException("formatting Kafka's storage failed; last lines of " + formatLog + ":\n"
                    + formatter.tailOfLog(20));
        }
    }

    /**
     * A Kafka cluster id is a random UUID in URL-safe base64 without padding. One starting with '-' would be read
     * as an option by the storage tool (Kafka's own Uuid avoids those too), so draw again.
     */
    static String clusterId() {
        while (true) {
            UUID uuid = UUID.randomUUID();
            ByteBuffer bytes = ByteBuffer.allocate(16);
            bytes.putLong(uuid.getMostSignificantBits()).putLong(uuid.getLeastSignificantBits());
            String id = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes.array());
            if (!id.startsWith("-")) {
                return id;
            }
        }
    }

    private static String serverProperties(StackPorts ports, Path logDirs, Optional<StackSecurity> security) {
        String listeners = security.map(s -> s.brokerProperties(ports)).orElse(String.join("\n",
                "listeners=PLAINTEXT://127.0.0.1:" + ports.kafka() + ",CONTROLLER://127.0.0.1:" + ports.kafkaController(),
                "advertised.listeners=PLAINTEXT://127.0.0.1:" + ports.kafka(),
                "inter.broker.listener.name=PLAINTEXT",
                "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                ""));
        return String.join("\n",
                "process.roles=broker,controller",
                "node.id=1",
                "controller.quorum.bootstrap.servers=127.0.0.1:" + ports.kafkaController(),
                "controller.listener.names=CONTROLLER",
                listeners + "log.dirs=" + logDirs,
                // One broker: every internal topic must make do with one replica, or transactions
                // (initTransactions) and consumer groups hang waiting for replicas that never come.
                "offsets.topic.replication.factor=1",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "share.coordinator.state.topic.replication.factor=1",
                "share.coordinator.state.topic.min.isr=1",
                "group.initial.rebalance.delay.ms=0",
                // The cleaner's default 128 MB dedupe buffer would be most of a small heap.
                "log.cleaner.dedupe.buffer.size=16777216",
                // Topics are created by memshift with their intended settings, never by accident.
                "auto.create.topics.enable=false",
                "num.partitions=1",
                "");
    }

    private static final String LOG4J = String.join("\n",
            "status = error",
            "appender.out.type = Console",
            "appender.out.name = out",
            "appender.out.layout.type = PatternLayout",
            "appender.out.layout.pattern = [%d] %p %m (%c)%n",
            "rootLogger.level = INFO",
            "rootLogger.appenderRef.out.ref = out",
            "logger.kafka.name = kafka",
            "logger.kafka.level = INFO",
            "logger.request.name = kafka.request.logger",
            "logger.request.level = WARN",
            "");
}
