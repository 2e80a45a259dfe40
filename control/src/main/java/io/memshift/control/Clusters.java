package io.memshift.control;

import io.memshift.clients.KafkaSettings;

/**
 * The clusters a run uses: Kafka, the Confluent-API schema registry and Elasticsearch. Real ones or the embedded
 * stack's, which the caller converts; nothing here knows or cares which.
 *
 * @param kafka             the Kafka cluster: its bootstrap servers and the client properties every client carries
 * @param schemaRegistryUrl base URL of the Confluent REST API
 * @param elasticsearchUrl  base URL of Elasticsearch
 */
public record Clusters(KafkaSettings kafka, String schemaRegistryUrl, String elasticsearchUrl) {
}
