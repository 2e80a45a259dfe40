package io.memshift.control;

/**
 * The clusters a run uses: Kafka, the Confluent-API schema registry and Elasticsearch. Real ones or the embedded
 * stack's, which the caller converts; nothing here knows or cares which.
 *
 * @param bootstrapServers  Kafka bootstrap servers, {@code host:port[,host:port...]}
 * @param schemaRegistryUrl base URL of the Confluent REST API
 * @param elasticsearchUrl  base URL of Elasticsearch
 */
public record Clusters(String bootstrapServers, String schemaRegistryUrl, String elasticsearchUrl) {
}
