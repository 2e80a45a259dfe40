package io.memshift.cli;

import io.memshift.clients.ElasticsearchSettings;
import io.memshift.clients.KafkaSettings;
import io.memshift.control.ClusterProbe;
import io.memshift.control.ClusterConfig;
import io.memshift.control.Clusters;
import io.memshift.control.ConfigFile;
import io.memshift.control.InvalidRequestException;
import io.memshift.embedded.EmbeddedStack;
import io.memshift.embedded.StackEndpoints;
import io.memshift.embedded.StackPorts;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The options that say which clusters a command uses and how it reaches them: {@code --config} (memshift's config
 * file: clusters, credentials by reference, topic settings, option defaults), {@code --kafka-config} (a Kafka client
 * properties file), the addresses {@code --bootstrap-servers}, {@code --schema-registry} and {@code --es}, and
 * {@code --data-dir}. {@link ClusterConfig} combines them; any cluster left out is the embedded stack's of that data
 * folder, which {@link #resolve} starts (in the background, for later commands too) if it is not up. A secured
 * embedded stack is reached with the config file it wrote.
 */
final class ClusterEndpoints {

    @Mixin
    ConfigOption config = new ConfigOption();

    @Option(names = "--kafka-config", paramLabel = "<file>", description = "Kafka client properties for every Kafka"
            + " client (security.protocol, sasl.*, ssl.*), as Kafka's tools take with --command-config.")
    Path kafkaConfig;

    @Option(names = "--data-dir", description = "Where memshift keeps its data (default: <checkout>/.memshift).")
    Path dataDirOption;

    @Option(names = "--bootstrap-servers", description = "Kafka brokers (default: the config file's, else the embedded stack's).")
    String bootstrapServers;

    @Option(names = "--schema-registry", description = "Confluent-API schema registry URL (default: the config file's, else the embedded stack's).")
    String schemaRegistry;

    @Option(names = "--es", description = "Elasticsearch URL (default: the config file's, else the embedded stack's).")
    String elasticsearch;

    private ConfigFile loaded;

    /** Like {@link #resolve}, but never starts the embedded stack: for commands that only inspect or switch. */
    Path dataDir() {
        return MemshiftPaths.dataDir(dataDirOption);
    }

    /** The config file given with {@code --config}, read once; {@link ConfigFile#none()} without one. */
    ConfigFile config() {
        if (loaded == null) {
            loaded = config.file == null ? ConfigFile.none() : ConfigFile.load(config.file);
        }
        return loaded;
    }

    private ClusterConfig.Overrides overrides() {
        return new ClusterConfig.Overrides(bootstrapServers, schemaRegistry, elasticsearch, kafkaConfig);
    }

    Clusters resolveRunning() {
        return ClusterConfig.resolve(config(), overrides(), () -> {
            StackEndpoints embedded = EmbeddedStack.findRunning(MemshiftPaths.stackDir(dataDir()))
                    .map(EmbeddedStack::endpoints)
                    .orElseThrow(() -> new InvalidRequestException("the embedded stack is not running and not every one of"
                            + " Kafka, the schema registry and Elasticsearch was named (--config, --bootstrap-servers,"
                            + " --schema-registry, --es); start it with ./memshift stack up"));
            return clustersOf(embedded);
        });
    }

    /**
     * The clusters to inspect, never starting anything: those given, the embedded stack's for any left out, even
     * if some of its servers are down (an inspection reports them). Empty if some are left out and no embedded
     * stack was started from the data folder.
     */
    Optional<Clusters> resolveRecorded() {
        if (ClusterConfig.complete(config(), overrides())) {
            return Optional.of(ClusterConfig.resolve(config(), overrides(), () -> {
                throw new IllegalStateException("every cluster is named; the embedded stack is not asked for");
            }));
        }
        return EmbeddedStack.recorded(MemshiftPaths.stackDir(dataDir()))
                .map(stack -> ClusterConfig.resolve(config(), overrides(), () -> clustersOf(stack.endpoints())));
    }

    Clusters resolve(PrintWriter out) {
        return ClusterConfig.resolve(config(), overrides(), () -> {
            Path stackDir = MemshiftPaths.stackDir(dataDir());
            EmbeddedStack stack = EmbeddedStack.findRunning(stackDir).filter(EmbeddedStack::isHealthy)
                    .orElseGet(() -> StackCommand.startDetached(stackDir, StackPorts.DEFAULTS, out));
            return clustersOf(stack.endpoints());
        });
    }

    /**
     * Elasticsearch alone, for commands that only read an index: {@code --es} (with the config file's credentials),
     * else the config file's, else the running embedded stack's.
     */
    ElasticsearchSettings elasticsearchRunning() {
        if (elasticsearch != null || (config().elasticsearch() != null && config().elasticsearch().url() != null)) {
            String url = elasticsearch != null ? elasticsearch : config().elasticsearch().url();
            ConfigFile.Http section = config().elasticsearch();
            return section == null ? ElasticsearchSettings.of(url) : new ElasticsearchSettings(url, section.auth(), section.tls());
        }
        return resolveRunning().elasticsearch();
    }

    /**
     * The credentials and trust for a {@code mem0-es:} source's cluster: the config file's
     * {@code mem0-elasticsearch} section, else its {@code elasticsearch} section when the source is on that very
     * cluster (same scheme, host and port), else none (a user and password in the source's URL still count).
     */
    ElasticsearchSettings sourceElasticsearch(SourceUri source) {
        if (!source.kind().equals(SourceUri.MEM0_ES) || source.location().lastIndexOf('/') <= 0) {
            return null;
        }
        String base;
        try {
            base = ElasticsearchSettings.of(source.location().substring(0, source.location().lastIndexOf('/'))).url();
        } catch (IllegalArgumentException e) {
            return null;
        }
        ConfigFile.Http own = config().mem0Elasticsearch();
        if (own != null) {
            return new ElasticsearchSettings(base, own.auth(), own.tls());
        }
        ConfigFile.Http target = config().elasticsearch();
        if (target != null && target.url() != null && ElasticsearchSettings.of(target.url()).url().equals(base)) {
            return new ElasticsearchSettings(base, target.auth(), target.tls());
        }
        return null;
    }

    /** The embedded stack's clusters: plain, or, for a secured stack, as the config file it wrote says. */
    static Clusters clustersOf(StackEndpoints embedded) {
        if (embedded.secured()) {
            return ClusterConfig.resolve(ConfigFile.load(embedded.configFile()), ClusterConfig.Overrides.NONE, () -> {
                throw new IllegalStateException("the secured stack's config file " + embedded.configFile()
                        + " does not name every cluster");
            });
        }
        return new Clusters(KafkaSettings.of(embedded.bootstrapServers()), embedded.schemaRegistryUrl(),
                embedded.elasticsearchUrl());
    }

    /** The clusters that are the embedded stack's: those neither an option nor the config file names. */
    Set<ClusterProbe.Cluster> embeddedClusters() {
        Set<ClusterProbe.Cluster> embedded = EnumSet.noneOf(ClusterProbe.Cluster.class);
        ConfigFile file = config();
        if (bootstrapServers == null && kafkaConfig == null && (file.kafka() == null || file.kafka().bootstrapServers() == null)) {
            embedded.add(ClusterProbe.Cluster.KAFKA);
        }
        if (schemaRegistry == null && (file.schemaRegistry() == null || file.schemaRegistry().url() == null)) {
            embedded.add(ClusterProbe.Cluster.SCHEMA_REGISTRY);
        }
        if (elasticsearch == null && (file.elasticsearch() == null || file.elasticsearch().url() == null)) {
            embedded.add(ClusterProbe.Cluster.ELASTICSEARCH);
        }
        return embedded;
    }
}
