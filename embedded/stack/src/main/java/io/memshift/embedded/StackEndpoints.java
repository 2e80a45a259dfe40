package io.memshift.embedded;

/** Where clients reach a running stack. */
public record StackEndpoints(String bootstrapServers, String schemaRegistryUrl, String elasticsearchUrl) {

    static StackEndpoints of(StackPorts ports) {
        return new StackEndpoints(
                "127.0.0.1:" + ports.kafka(),
                // Apicurio serves the Confluent REST API under this prefix.
                "http://127.0.0.1:" + ports.schemaRegistry() + "/apis/ccompat/v7",
                "http://127.0.0.1:" + ports.elasticsearch());
    }
}
