package io.memshift.reembedder;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Everything the re-embedder needs, in one place.
 *
 * @param bootstrapServers  Kafka brokers
 * @param schemaRegistryUrl Confluent-API registry base URL
 * @param modelId           {@code <provider>:<name>}, see {@link EmbeddingModels}
 * @param batchSize         memories per model call; a batch is sent when it is this full ...
 * @param maxWait           ... or when its oldest memory has waited this long
 * @param stateDir          Kafka Streams' local state folder
 * @param generation        appended to the application id: a new generation re-reads {@code memories} from the start
 */
public record ReembedderConfig(String bootstrapServers, String schemaRegistryUrl, String modelId, int batchSize,
                               Duration maxWait, Path stateDir, int generation) {

    public static final int DEFAULT_BATCH_SIZE = 64;
    public static final Duration DEFAULT_MAX_WAIT = Duration.ofMillis(200);

    public ReembedderConfig {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be at least 1, was " + batchSize);
        }
        if (maxWait.isNegative() || maxWait.isZero()) {
            throw new IllegalArgumentException("max wait must be positive, was " + maxWait);
        }
    }
}
