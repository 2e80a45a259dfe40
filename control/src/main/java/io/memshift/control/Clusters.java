package io.memshift.control;

import io.memshift.clients.ElasticsearchSettings;
import io.memshift.clients.KafkaSettings;
import io.memshift.clients.RegistrySettings;

/**
 * The clusters a run uses: Kafka, the Confluent-API schema registry and Elasticsearch. Real ones or the embedded
 * stack's, which the caller converts; nothing here knows or cares which.
 *
 * @param kafka             the Kafka cluster: its bootstrap servers and the client properties every client carries
 * @param schemaRegistry    the Confluent REST API: its base URL, credentials and trusted certificates
 * @param elasticsearch     Elasticsearch: its URL, credentials and trusted certificates
 */
public record Clusters(KafkaSettings kafka, RegistrySettings schemaRegistry, ElasticsearchSettings elasticsearch) {

    /** Clusters without security: no credentials, plain connections (the plain embedded stack, a test's). */
    public Clusters(KafkaSettings kafka, String schemaRegistryUrl, String elasticsearchUrl) {
        this(kafka, RegistrySettings.of(schemaRegistryUrl), ElasticsearchSettings.of(elasticsearchUrl));
    }
}
