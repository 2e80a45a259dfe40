package io.memshift.cli;

import io.memshift.clients.KafkaSettings;
import io.memshift.control.ClusterProbe;
import io.memshift.control.Clusters;
import io.memshift.embedded.EmbeddedStack;
import io.memshift.embedded.StackEndpoints;
import io.memshift.embedded.StackPorts;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import picocli.CommandLine.Option;

/**
 * The {@code --bootstrap-servers}, {@code --schema-registry} and {@code --es} options, with {@code --data-dir}.
 * Any endpoint left out is taken from the embedded stack of that data folder, which {@link #resolve} starts (in
 * the background, for later commands too) if it is not up.
 */
final class ClusterEndpoints {

    @Option(names = "--data-dir", description = "Where memshift keeps its data (default: <checkout>/.memshift).")
    Path dataDirOption;

    @Option(names = "--bootstrap-servers", description = "Kafka brokers (default: the embedded stack's).")
    String bootstrapServers;

    @Option(names = "--schema-registry", description = "Confluent-API schema registry URL (default: the embedded stack's).")
    String schemaRegistry;

    @Option(names = "--es", description = "Elasticsearch URL (default: the embedded stack's).")
    String elasticsearch;

    /** Like {@link #resolve}, but never starts the embedded stack: for commands that only inspect or switch. */
    Path dataDir() {
        return MemshiftPaths.dataDir(dataDirOption);
    }

    Clusters resolveRunning() {
        Path dataDir = dataDir();
        if (bootstrapServers != null && schemaRegistry != null && elasticsearch != null) {
            return new Clusters(KafkaSettings.of(bootstrapServers), schemaRegistry, elasticsearch);
        }
        Path stackDir = MemshiftPaths.stackDir(dataDir);
        StackEndpoints embedded = EmbeddedStack.findRunning(stackDir).map(EmbeddedStack::endpoints)
                .orElseThrow(() -> new BadInputException("the embedded stack is not running and not every one of"
                        + " --bootstrap-servers, --schema-registry, --es was given; start it with ./memshift stack up"));
        return withDefaults(embedded);
    }

    /**
     * The clusters to inspect, never starting anything: those given, the embedded stack's for any left out, even
     * if some of its servers are down (an inspection reports them). Empty if some are left out and no embedded
     * stack was started from the data folder.
     */
    Optional<Clusters> resolveRecorded() {
        if (bootstrapServers != null && schemaRegistry != null && elasticsearch != null) {
            return Optional.of(new Clusters(KafkaSettings.of(bootstrapServers), schemaRegistry, elasticsearch));
        }
        return EmbeddedStack.recorded(MemshiftPaths.stackDir(dataDir())).map(stack -> withDefaults(stack.endpoints()));
    }

    Clusters resolve(PrintWriter out) {
        Path dataDir = dataDir();
        if (bootstrapServers != null && schemaRegistry != null && elasticsearch != null) {
            return new Clusters(KafkaSettings.of(bootstrapServers), schemaRegistry, elasticsearch);
        }
        Path stackDir = MemshiftPaths.stackDir(dataDir);
        EmbeddedStack stack = EmbeddedStack.findRunning(stackDir).filter(EmbeddedStack::isHealthy)
                .orElseGet(() -> StackCommand.startDetached(stackDir, StackPorts.DEFAULTS, out));
        return withDefaults(stack.endpoints());
    }

    /** Elasticsearch alone, for commands that only read an index: {@code --es}, else the running embedded stack's. */
    String elasticsearchRunning() {
        return elasticsearch != null ? elasticsearch : resolveRunning().elasticsearchUrl();
    }

    /** The clusters not given as options: those are the embedded stack's. */
    Set<ClusterProbe.Cluster> embeddedClusters() {
        Set<ClusterProbe.Cluster> embedded = EnumSet.noneOf(ClusterProbe.Cluster.class);
        if (bootstrapServers == null) {
            embedded.add(ClusterProbe.Cluster.KAFKA);
        }
        if (schemaRegistry == null) {
            embedded.add(ClusterProbe.Cluster.SCHEMA_REGISTRY);
        }
        if (elasticsearch == null) {
            embedded.add(ClusterProbe.Cluster.ELASTICSEARCH);
        }
        return embedded;
    }

    /** The clusters given as options, the embedded stack's for any left out. */
    private Clusters withDefaults(StackEndpoints embedded) {
        return new Clusters(
                KafkaSettings.of(bootstrapServers != null ? bootstrapServers : embedded.bootstrapServers()),
                schemaRegistry != null ? schemaRegistry : embedded.schemaRegistryUrl(),
                elasticsearch != null ? elasticsearch : embedded.elasticsearchUrl());
    }
}
