package io.memshift.reembedder;

import io.memshift.clients.KafkaSettings;
import io.memshift.clients.RegistrySettings;
import io.memshift.clients.TopicSettings;
import io.memshift.schemas.Pipeline;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Everything the re-embedder needs, in one place.
 *
 * @param kafka             the Kafka cluster
 * @param schemaRegistry    the Confluent-API registry: URL, credentials, TLS trust
 * @param modelId           {@code <provider>:<name>}, see {@link EmbeddingModels}
 * @param batchSize         memories per model call; a batch is sent when it is this full ...
 * @param maxWait           ... or when its oldest memory has waited this long
 * @param stateDir          Kafka Streams' local state folder
 * @param generation        1 for a model's first run; a replay is generation 2, 3 ...: a new application id that
 *                          re-reads the input from the start and writes a new output topic, leaving the old untouched
 * @param inputTopic        the log of the pipeline to re-embed ({@code memories.<pipeline>}, or {@code memories})
 * @param topics            how the pipeline's topics are created if absent (the output gets the log's partitions)
 * @param instanceId        this instance among the application's instances: its static member id is
 *                          {@code <application id>-<instanceId>}; each running instance needs its own
 */
public record ReembedderConfig(KafkaSettings kafka, RegistrySettings schemaRegistry, String modelId, int batchSize,
                               Duration maxWait, Path stateDir, int generation, String inputTopic,
                               TopicSettings topics, String instanceId) {

    /** One instance (id {@code 1}) whose topics are created with the cluster's settings. */
    public ReembedderConfig(KafkaSettings kafka, RegistrySettings schemaRegistry, String modelId, int batchSize,
                            Duration maxWait, Path stateDir, int generation, String inputTopic) {
        this(kafka, schemaRegistry, modelId, batchSize, maxWait, stateDir, generation, inputTopic, kafka.topics(), "1");
    }

    /** The pipeline whose log this re-embeds. */
    public Pipeline pipeline() {
        return Pipeline.ofLog(inputTopic);
    }

    /** Where the texts the model refuses go: the pipeline's {@code <log>.dlq.<model>}. */
    public String deadLetterTopic() {
        return pipeline().embedDeadLetters(modelId);
    }

    /** With an open registry (no credentials): the embedded stack's, a test's. */
    public ReembedderConfig(KafkaSettings kafka, String schemaRegistryUrl, String modelId, int batchSize,
                            Duration maxWait, Path stateDir, int generation, String inputTopic) {
        this(kafka, RegistrySettings.of(schemaRegistryUrl), modelId, batchSize, maxWait, stateDir, generation, inputTopic);
    }

    /** Generation 1, reading {@code memories}. */
    public static ReembedderConfig of(KafkaSettings kafka, RegistrySettings schemaRegistry, String modelId,
                                      int batchSize, Duration maxWait, Path stateDir) {
        return new ReembedderConfig(kafka, schemaRegistry, modelId, batchSize, maxWait, stateDir, 1,
                io.memshift.schemas.Topics.MEMORIES);
    }

    /** Generation 1, reading {@code memories}, with an open registry (no credentials). */
    public static ReembedderConfig of(KafkaSettings kafka, String schemaRegistryUrl, String modelId, int batchSize,
                                      Duration maxWait, Path stateDir) {
        return of(kafka, RegistrySettings.of(schemaRegistryUrl), modelId, batchSize, maxWait, stateDir);
    }

    public String outputTopic() {
        return io.memshift.schemas.Topics.embeddedTopicName(inputTopic, modelId, generation);
    }

    /** An in-process model's batch: see {@link RequestLimits#defaultBatchSize()}. */
    public static final int DEFAULT_BATCH_SIZE = RequestLimits.IN_PROCESS_BATCH_SIZE;
    public static final long DEFAULT_MAX_WAIT_MS = 200;

    public ReembedderConfig {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be at least 1, was " + batchSize);
        }
        if (generation < 1) {
            throw new IllegalArgumentException("generation must be at least 1, was " + generation);
        }
        if (maxWait.isNegative() || maxWait.isZero()) {
            throw new IllegalArgumentException("max wait must be positive, was " + maxWait);
        }
    }
}
