package io.memshift.importer;

/**
 * Everything the importer needs, in one place.
 *
 * @param bootstrapServers  Kafka brokers
 * @param schemaRegistryUrl Confluent-API registry base URL
 * @param elasticsearchUrl  e.g. {@code http://127.0.0.1:9200}
 * @param topic             the embedded topic to read ({@code memories.embedded.<model>})
 * @param index             the target index
 * @param mapping           the index's mapping, derived from the model
 * @param maxBatch          memories per {@code _bulk} request at most (also {@code max.poll.records})
 */
public record ImporterConfig(String bootstrapServers, String schemaRegistryUrl, String elasticsearchUrl, String topic,
                             String index, IndexMapping mapping, int maxBatch) {

    public static final int DEFAULT_MAX_BATCH = 500;

    /** One consumer group per target index: each index is filled from the start of the topic, once. */
    public String groupId() {
        return "memshift-import-" + index;
    }
}
