package io.memshift.reembedder;

import io.memshift.clients.KafkaSettings;
import io.memshift.clients.RegistrySettings;
import io.memshift.clients.StageInstance;
import io.memshift.schemas.Pipeline;
import io.memshift.clients.TopicSettings;

/**
 * Everything the version gate needs.
 *
 * @param kafka             the Kafka cluster
 * @param schemaRegistry    the Confluent-API registry: URL, credentials, TLS trust
 * @param pipeline          whose intake it reads and whose log it writes
 * @param topics            how to create the intake and the log if they do not exist
 * @param instance          this process among the gate's instances: its member id and state folder
 */
public record VersionGateConfig(KafkaSettings kafka, RegistrySettings schemaRegistry, Pipeline pipeline,
                                TopicSettings topics, StageInstance instance) {

    /** With an open registry (no credentials): the embedded stack's, a test's. */
    public VersionGateConfig(KafkaSettings kafka, String schemaRegistryUrl, Pipeline pipeline, TopicSettings topics,
                             StageInstance instance) {
        this(kafka, RegistrySettings.of(schemaRegistryUrl), pipeline, topics, instance);
    }
}
