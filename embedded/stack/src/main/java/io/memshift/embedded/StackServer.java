package io.memshift.embedded;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The three servers of the embedded stack, each started, checked and restarted on its own: none needs another to
 * start (the registry keeps its schemas in a file database, not in Kafka), so a stack with one server down is
 * repaired by starting that one.
 */
public enum StackServer {

    KAFKA("kafka", KafkaBroker.NAME, "kafka/broker.log"),
    REGISTRY("registry", SchemaRegistry.NAME, "registry/registry.log"),
    ELASTICSEARCH("elasticsearch", ElasticsearchNode.NAME, "elasticsearch/node.log");

    private final String key;
    private final String displayName;
    private final String log;

    StackServer(String key, String displayName, String log) {
        this.key = key;
        this.displayName = displayName;
        this.log = log;
    }

    /** Its name on the command line ({@code stack restart kafka}) and in the stack's state file. */
    public String key() {
        return key;
    }

    /** Its name in messages: "the Kafka broker ...". */
    public String displayName() {
        return displayName;
    }

    /** The server named {@code key} on the command line. */
    public static StackServer of(String key) {
        for (StackServer server : values()) {
            if (server.key.equals(key.toLowerCase(Locale.ROOT))) {
                return server;
            }
        }
        throw new IllegalArgumentException("no server '" + key + "' in the embedded stack; it has "
                + Arrays.stream(values()).map(StackServer::key).collect(Collectors.joining(", ")));
    }

    ChildProcess start(StackLayout layout, Path dataDir, StackPorts ports, boolean detach) {
        return switch (this) {
            case KAFKA -> KafkaBroker.start(layout, dataDir, ports, detach);
            case REGISTRY -> SchemaRegistry.start(layout, dataDir, ports, detach);
            case ELASTICSEARCH -> ElasticsearchNode.start(layout, dataDir, ports, detach);
        };
    }

    /** True once it answers clients, asked in its own protocol. */
    boolean isReady(StackEndpoints endpoints) {
        return switch (this) {
            case KAFKA -> KafkaBroker.isReady(endpoints.bootstrapServers());
            case REGISTRY -> SchemaRegistry.isReady(endpoints.schemaRegistryUrl());
            case ELASTICSEARCH -> ElasticsearchNode.isReady(endpoints.elasticsearchUrl());
        };
    }

    /** Where clients reach it. */
    public String endpoint(StackEndpoints endpoints) {
        return switch (this) {
            case KAFKA -> endpoints.bootstrapServers();
            case REGISTRY -> endpoints.schemaRegistryUrl();
            case ELASTICSEARCH -> endpoints.elasticsearchUrl();
        };
    }

    /** Fails, naming the port and the option that moves it, if a port it listens on is taken. */
    void requirePortsFree(StackPorts ports) {
        switch (this) {
            case KAFKA -> {
                StackPorts.requireFree(ports.kafka(), "Kafka broker", "--kafka-port");
                StackPorts.requireFree(ports.kafkaController(), "Kafka controller", "--kafka-controller-port");
            }
            case REGISTRY -> StackPorts.requireFree(ports.schemaRegistry(), "schema registry", "--registry-port");
            case ELASTICSEARCH -> StackPorts.requireFree(ports.elasticsearch(), "Elasticsearch", "--es-port");
        }
    }

    Path logFile(Path dataDir) {
        return dataDir.resolve(log);
    }
}
