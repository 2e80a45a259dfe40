package io.memshift.reembedder;

import io.memshift.clients.KafkaSettings;
import io.memshift.clients.StageInstance;
import io.memshift.schemas.Pipeline;
import io.memshift.schemas.TopicSettings;

/**
 * Everything the version gate needs.
 *
 * @param kafka             the Kafka cluster
 * @param schemaRegistryUrl Confluent-API registry base URL
 * @param pipeline          whose intake it reads and whose log it writes
 * @param topics            how to create the intake and the log if they do not exist
 * @param instance          this process among the gate's instances: its member id and state folder
 */
public record VersionGateConfig(KafkaSettings kafka, String schemaRegistryUrl, Pipeline pipeline,
                                TopicSettings topics, StageInstance instance) {
}
