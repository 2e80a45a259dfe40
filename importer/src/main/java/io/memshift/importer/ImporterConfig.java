package io.memshift.importer;

import io.memshift.clients.ElasticsearchSettings;
import io.memshift.clients.KafkaSettings;
import io.memshift.clients.RegistrySettings;
import io.memshift.schemas.Mem0Entities;
import java.util.Objects;

/**
 * Everything the importer needs, in one place.
 *
 * @param kafka             the Kafka cluster
 * @param schemaRegistry    the Confluent-API registry: URL, credentials, TLS trust
 * @param elasticsearch     the target cluster: URL, credentials, TLS trust
 * @param topic             the embedded topic to read ({@code memories.embedded.<model>})
 * @param index             the target index (its entities go to {@link #entityIndex()})
 * @param layout            where each part of a memory goes in a document, and the mapping
 * @param mapping           the index's shape: vector dims (from the model), similarity, shards...
 * @param maxPoll           records taken per poll ({@code max.poll.records}); one poll is one unit of commit
 * @param maxBulkDocs       documents per {@code _bulk} request at most
 * @param maxBulkBytes      bytes per {@code _bulk} request at most, as JSON (estimated; a SMILE bulk takes fewer)
 * @param maxInFlight       {@code _bulk} requests sent at once
 * @param instanceId        this instance among the index's importers (each running one needs its own), or null for
 *                          the one instance of earlier versions; see {@link #staticMemberId()}
 * @param bulkEncoding      how {@code _bulk} bodies are encoded, and so how Elasticsearch stores {@code _source}:
 *                          JSON (the default) or SMILE; see {@link BulkEncoding}
 */
public record ImporterConfig(KafkaSettings kafka, RegistrySettings schemaRegistry, ElasticsearchSettings elasticsearch,
                             String topic, String index, DocumentLayout layout, IndexMapping mapping, int maxPoll,
                             int maxBulkDocs, long maxBulkBytes, int maxInFlight, String instanceId,
                             BulkEncoding bulkEncoding) {

    /** The one instance of an index's importer, bulks in JSON. */
    public ImporterConfig(KafkaSettings kafka, RegistrySettings schemaRegistry, ElasticsearchSettings elasticsearch,
                          String topic, String index, DocumentLayout layout, IndexMapping mapping, int maxPoll,
                          int maxBulkDocs, long maxBulkBytes, int maxInFlight) {
        this(kafka, schemaRegistry, elasticsearch, topic, index, layout, mapping, maxPoll, maxBulkDocs, maxBulkBytes,
                maxInFlight, null, BulkEncoding.JSON);
    }

    /** These settings for the instance {@code id} (see {@link #staticMemberId()}). */
    public ImporterConfig withInstance(String id) {
        return new ImporterConfig(kafka, schemaRegistry, elasticsearch, topic, index, layout, mapping, maxPoll,
                maxBulkDocs, maxBulkBytes, maxInFlight, id, bulkEncoding);
    }

    /** These settings with {@code _bulk} bodies encoded as {@code encoding}. */
    public ImporterConfig withBulkEncoding(BulkEncoding encoding) {
        return new ImporterConfig(kafka, schemaRegistry, elasticsearch, topic, index, layout, mapping, maxPoll,
                maxBulkDocs, maxBulkBytes, maxInFlight, instanceId, encoding);
    }

    /**
     * These settings with {@code bulks} {@code _bulk} requests in flight at once. A poll is one unit of commit and
     * its bulks are sent before the next poll, so a poll takes at least enough records to fill that many full bulks.
     */
    public ImporterConfig withBulksInFlight(int bulks) {
        if (bulks < 1) {
            throw new IllegalArgumentException("bulks in flight must be positive, not " + bulks);
        }
        int poll = (int) Math.min(Integer.MAX_VALUE, Math.max((long) maxPoll, (long) bulks * maxBulkDocs));
        return new ImporterConfig(kafka, schemaRegistry, elasticsearch, topic, index, layout, mapping, poll,
                maxBulkDocs, maxBulkBytes, bulks, instanceId, bulkEncoding);
    }

    /**
     * This importer's {@code group.instance.id}: {@code memshift-importer-<index>-<instance id>}, so that several
     * importers of one index share its partitions, each restarting into its own ({@code memshift-importer-<index>}
     * without an instance id).
     */
    public String staticMemberId() {
        return "memshift-importer-" + index + (instanceId == null ? "" : "-" + instanceId);
    }

    public static final int DEFAULT_MAX_POLL = 2000;
    public static final int DEFAULT_MAX_BULK_DOCS = 500;
    public static final long DEFAULT_MAX_BULK_BYTES = 5L * 1024 * 1024;
    public static final int DEFAULT_MAX_IN_FLIGHT = 2;

    public ImporterConfig {
        if (maxPoll < 1 || maxBulkDocs < 1 || maxBulkBytes < 1 || maxInFlight < 1) {
            throw new IllegalArgumentException("importer batch sizes and in-flight count must be positive");
        }
        Objects.requireNonNull(bulkEncoding, "bulkEncoding");
    }

    /** With an open registry and a cluster without security: the embedded stack's, a test's. */
    public ImporterConfig(KafkaSettings kafka, String schemaRegistryUrl, String elasticsearchUrl, String topic,
                          String index, DocumentLayout layout, IndexMapping mapping, int maxPoll, int maxBulkDocs,
                          long maxBulkBytes, int maxInFlight) {
        this(kafka, RegistrySettings.of(schemaRegistryUrl), ElasticsearchSettings.of(elasticsearchUrl), topic, index,
                layout, mapping, maxPoll, maxBulkDocs, maxBulkBytes, maxInFlight);
    }

    /** With the default batch sizes. */
    public static ImporterConfig of(KafkaSettings kafka, RegistrySettings schemaRegistry,
                                    ElasticsearchSettings elasticsearch, String topic, String index,
                                    DocumentLayout layout, IndexMapping mapping) {
        return new ImporterConfig(kafka, schemaRegistry, elasticsearch, topic, index, layout, mapping,
                DEFAULT_MAX_POLL, DEFAULT_MAX_BULK_DOCS, DEFAULT_MAX_BULK_BYTES, DEFAULT_MAX_IN_FLIGHT);
    }

    /** With the default batch sizes, an open registry and a cluster without security. */
    public static ImporterConfig of(KafkaSettings kafka, String schemaRegistryUrl, String elasticsearchUrl,
                                    String topic, String index, DocumentLayout layout, IndexMapping mapping) {
        return of(kafka, RegistrySettings.of(schemaRegistryUrl), ElasticsearchSettings.of(elasticsearchUrl), topic,
                index, layout, mapping);
    }

    /**
     * Where the topic's entities ({@code kind: ENTITY}) go: Mem0's entity store beside the index,
     * {@code <index>_entities}, of the same layout and vector shape.
     */
    public String entityIndex() {
        return Mem0Entities.storeOf(index);
    }

    /** One consumer group per target index: each index is filled from the start of the topic, once. */
    public String groupId() {
        return groupIdFor(index);
    }

    public static String groupIdFor(String index) {
        return "memshift-import-" + index;
    }
}
