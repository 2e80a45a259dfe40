package io.memshift.control;

import io.memshift.clients.ElasticsearchSettings;
import io.memshift.clients.HttpAuth;
import io.memshift.clients.KafkaSettings;
import io.memshift.clients.RegistrySettings;
import io.memshift.clients.TlsTrust;
import io.memshift.clients.TopicSettings;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * The one rule for which clusters a command uses, and how it reaches them. For each of Kafka, the schema registry
 * and Elasticsearch, in order:
 * <ol>
 *   <li>an address on the command line ({@code --bootstrap-servers}, {@code --schema-registry}, {@code --es})
 *       replaces the config file's address, and keeps its credentials and trust (the file says how to log in, the
 *       flag where);</li>
 *   <li>else the config file's section ({@code --config});</li>
 *   <li>else the embedded stack's, with its own credentials if it is a secured one.</li>
 * </ol>
 * {@code --kafka-config} (a Kafka client properties file, as Kafka's tools take with {@code --command-config})
 * adds its properties over the config file's, for every Kafka client.
 */
public final class ClusterConfig {

    /**
     * What the command line says; null where an option was not given.
     *
     * @param kafkaConfig a Kafka client properties file
     */
    public record Overrides(String bootstrapServers, String schemaRegistryUrl, String elasticsearchUrl, Path kafkaConfig) {
        public static final Overrides NONE = new Overrides(null, null, null, null);
    }

    private ClusterConfig() {
    }

    /** True if the file and the flags name every cluster, so that the embedded stack is not needed. */
    public static boolean complete(ConfigFile file, Overrides flags) {
        return kafkaAddress(file, flags) != null && registryAddress(file, flags) != null
                && elasticsearchAddress(file, flags) != null;
    }

    /**
     * The clusters to use.
     *
     * @param embedded the embedded stack's clusters, asked for only if something is not named otherwise (and so
     *                 started only then)
     */
    public static Clusters resolve(ConfigFile file, Overrides flags, Supplier<Clusters> embedded) {
        ConfigFile config = file == null ? ConfigFile.none() : file;
        Clusters stack = complete(config, flags) ? null : embedded.get();
        return new Clusters(kafka(config, flags, stack), registry(config, flags, stack), elasticsearch(config, flags, stack));
    }

    private static KafkaSettings kafka(ConfigFile config, Overrides flags, Clusters stack) {
        Map<String, String> props = new TreeMap<>();
        String bootstrap = kafkaAddress(config, flags);
        TopicSettings topics = TopicSettings.DEFAULT;
        if (bootstrap == null) {
            bootstrap = stack.kafka().bootstrapServers();
            props.putAll(stack.kafka().clientProperties());
            topics = stack.kafka().topics();
        }
        if (config.kafka() != null) {
            props.putAll(config.kafka().clientProperties());
            if (config.kafka().topics() != null) {
                topics = config.kafka().topics();
            }
        }
        if (flags.kafkaConfig() != null) {
            Map<String, String> fromFile = ConfigFile.kafkaPropertiesFile(flags.kafkaConfig());
            fromFile.remove("bootstrap.servers");
            props.putAll(fromFile);
        }
        try {
            return new KafkaSettings(bootstrap, props, topics);
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException((config.path() != null ? config.path() + ": " : "")
                    + e.getMessage());
        }
    }

    private static String kafkaAddress(ConfigFile config, Overrides flags) {
        if (flags.bootstrapServers() != null) {
            return flags.bootstrapServers();
        }
        if (flags.kafkaConfig() != null) {
            String fromFile = ConfigFile.kafkaPropertiesFile(flags.kafkaConfig()).get("bootstrap.servers");
            if (fromFile != null && config.kafka() == null) {
                return fromFile;
            }
        }
        return config.kafka() == null ? null : config.kafka().bootstrapServers();
    }

    private static String registryAddress(ConfigFile config, Overrides flags) {
        return flags.schemaRegistryUrl() != null ? flags.schemaRegistryUrl()
                : config.schemaRegistry() == null ? null : config.schemaRegistry().url();
    }

    private static String elasticsearchAddress(ConfigFile config, Overrides flags) {
        return flags.elasticsearchUrl() != null ? flags.elasticsearchUrl()
                : config.elasticsearch() == null ? null : config.elasticsearch().url();
    }

    private static RegistrySettings registry(ConfigFile config, Overrides flags, Clusters stack) {
        String url = registryAddress(config, flags);
        if (url == null) {
            return stack.schemaRegistry();
        }
        ConfigFile.Http section = config.schemaRegistry();
        try {
            return new RegistrySettings(url, section == null ? HttpAuth.NONE : section.auth(),
                    section == null ? TlsTrust.SYSTEM : section.tls());
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException(e.getMessage());
        }
    }

    private static ElasticsearchSettings elasticsearch(ConfigFile config, Overrides flags, Clusters stack) {
        String url = elasticsearchAddress(config, flags);
        if (url == null) {
            return stack.elasticsearch();
        }
        ConfigFile.Http section = config.elasticsearch();
        try {
            return new ElasticsearchSettings(url, section == null ? HttpAuth.NONE : section.auth(),
                    section == null ? TlsTrust.SYSTEM : section.tls());
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException(e.getMessage());
        }
    }
}
