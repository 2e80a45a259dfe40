package io.memshift.embedded;

import java.nio.file.Path;

/**
 * Where clients reach a running stack.
 *
 * @param configFile for a secured stack, the memshift config file that reaches it with its credentials (see
 *                   {@link StackSecurity}); null for the plain stack, which needs none
 */
public record StackEndpoints(String bootstrapServers, String schemaRegistryUrl, String elasticsearchUrl,
                             Path configFile) {

    /** A plain stack's endpoints. */
    public StackEndpoints(String bootstrapServers, String schemaRegistryUrl, String elasticsearchUrl) {
        this(bootstrapServers, schemaRegistryUrl, elasticsearchUrl, null);
    }

    /** True for a secured stack: SASL_SSL Kafka, and the registry and Elasticsearch over TLS with credentials. */
    public boolean secured() {
        return configFile != null;
    }

    static StackEndpoints of(StackPorts ports) {
        return of(ports, null);
    }

    static StackEndpoints of(StackPorts ports, StackSecurity security) {
        String scheme = security == null ? "http" : "https";
        return new StackEndpoints(
                "127.0.0.1:" + ports.kafka(),
                // Apicurio serves the Confluent REST API under this prefix.
                scheme + "://127.0.0.1:" + ports.schemaRegistry() + "/apis/ccompat/v7",
                scheme + "://127.0.0.1:" + ports.elasticsearch(),
                security == null ? null : security.configFile());
    }
}
