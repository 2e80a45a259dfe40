package io.memshift.exporter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.memshift.clients.KafkaSettings;
import io.memshift.embedded.EmbeddedStackExtension;
import io.memshift.embedded.StackEndpoints;
import io.memshift.schemas.Kind;
import io.memshift.schemas.MemoryEvent;
import io.memshift.schemas.Pipeline;
import io.memshift.schemas.SchemaRegistryClient;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A Mem0 v3 store's entity store is exported with it, to the same topic (each test its own), marked ENTITY: from
 * Elasticsearch ({@code <index>_entities}, payloads cut byte for byte) and from Qdrant ({@code <collection>_entities}).
 * An entity store is never read as memories, and an entity with a memory's id is refused.
 */
@ExtendWith(EmbeddedStackExtension.class)
class Mem0EntityExportTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** As Mem0's Python library writes one: snake_case, a number form of its own, an escaped character. */
    private static final String PYTHON_ENTITY = "{\"data\":\"Caf\\u00e9 Nicola\",\"entity_type\":\"PLACE\","
            + "\"linked_memory_ids\":[\"m-1\"],\"user_id\":\"alice\",\"confidence\":0.950}";
    /** As Mem0's TypeScript SDK writes one: camelCase. */
    private static final String TS_ENTITY = "{\"data\":\"Siemens\",\"entityType\":\"ORG\",\"linkedMemoryIds\":[\"m-1\",\"m-2\"],"
            + "\"user_id\":\"alice\"}";

    @Test
    void anElasticsearchStoreIsExportedWithItsEntities(StackEndpoints stack) throws Exception {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String index = "ent_src_" + suffix;
        String topic = "memories.entities-test-" + suffix;
        StringBuilder bulk = new StringBuilder();
        bulk.append(doc(index, "m-1", "{\"data\":\"Works at Siemens, coffee at Caf\\u00e9 Nicola\",\"user_id\":\"alice\","
                + "\"createdAt\":\"2025-02-03T04:05:06.789Z\"}"));
        bulk.append(doc(index, "m-2", "{\"data\":\"Siemens pays well\",\"user_id\":\"alice\",\"created_at\":\"2024-07-20T01:03:19Z\"}"));
        bulk.append(doc(index, "m-3", "{\"data\":\"Likes tea\",\"user_id\":\"bob\",\"created_at\":\"2024-07-20T01:03:19Z\"}"));
        bulk.append(doc(index + "_entities", "e-1", PYTHON_ENTITY));
        bulk.append(doc(index + "_entities", "e-2", TS_ENTITY));
        StoreBulk.send(stack, "POST", "/_bulk?refresh=true", bulk.toString());

        SchemaRegistryClient registry = new SchemaRegistryClient(stack.schemaRegistryUrl());
        Mem0ElasticsearchReader reader = new Mem0ElasticsearchReader(stack.elasticsearchUrl() + "/" + index);
        ExportSummary summary = export(stack, registry, reader, topic);

        assertThat(summary.published()).isEqualTo(3);
        assertThat(summary.selected()).isEqualTo(3);
        assertThat(summary.entities().read()).isEqualTo(2);
        assertThat(summary.entities().published()).isEqualTo(2);
        assertThat(summary.entities().selected()).isEqualTo(2);
        Map<String, MemoryEvent> onTopic = latest(stack, registry, topic);
        assertThat(onTopic).containsOnlyKeys("m-1", "m-2", "m-3", "e-1", "e-2");
        assertThat(onTopic.get("m-1").getKind()).isEqualTo(Kind.MEMORY);
        MemoryEvent python = onTopic.get("e-1");
        assertThat(python.getKind()).isEqualTo(Kind.ENTITY);
        assertThat(python.getText()).isEqualTo("Caf\u00e9 Nicola");
        assertThat(python.getPayload()).as("cut from the response as stored").isEqualTo(PYTHON_ENTITY);
        assertThat(python.getUserId()).isEqualTo("alice");
        assertThat(onTopic.get("e-2").getPayload()).isEqualTo(TS_ENTITY);
        assertThat(python.getSource().getPosition()).startsWith(index + "_entities#").endsWith("(_id e-1)");

        // A pattern reads the memory indices it matches, never the entity store as memories, and its entities.
        ExportSummary pattern = export(stack, registry, new Mem0ElasticsearchReader(stack.elasticsearchUrl() + "/"
                + index + "*"), topic + "-pattern");
        assertThat(pattern.selected()).isEqualTo(3);
        assertThat(pattern.entities().selected()).isEqualTo(2);
        assertThat(latest(stack, registry, topic + "-pattern")).containsOnlyKeys("m-1", "m-2", "m-3", "e-1", "e-2");

        // The entity store is not a collection of its own.
        assertThatThrownBy(() -> new Mem0ElasticsearchReader(stack.elasticsearchUrl() + "/" + index + "_entities"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("entity store of '" + index + "'").hasMessageContaining("/" + index + ")");

        // Memories and entities share the log, keyed by id: an entity with a memory's id is refused, naming both.
        StoreBulk.send(stack, "POST", "/_bulk?refresh=true", doc(index + "_entities", "m-3", "{\"data\":\"bob\",\"user_id\":\"bob\"}"));
        assertThatThrownBy(() -> export(stack, registry, reader, topic))
                .isInstanceOf(InvalidSourceException.class)
                .hasMessageContaining(index + "_entities#").hasMessageContaining("entity id=m-3: a memory of the same store has this id");
        assertThat(latest(stack, registry, topic)).as("a refused source publishes nothing").isEqualTo(onTopic);
    }

    @Test
    void aQdrantStoreIsExportedWithItsEntitiesCollection(StackEndpoints stack) throws Exception {
        String topic = "memories.entities-qdrant-" + UUID.randomUUID().toString().substring(0, 8);
        try (QdrantStandIn qdrant = new QdrantStandIn(null)) {
            qdrant.createCollection("mem0");
            qdrant.createCollection("mem0_entities");
            qdrant.upsert("mem0", Mem0QdrantReaderTest.uuid(1), (ObjectNode) JSON.readTree(
                    "{\"data\":\"Lives in Toronto\",\"user_id\":\"bob\",\"created_at\":\"2024-07-20T01:03:19Z\"}"));
            qdrant.upsert("mem0_entities", Mem0QdrantReaderTest.uuid(2), (ObjectNode) JSON.readTree(
                    "{\"data\":\"Toronto\",\"entity_type\":\"PLACE\",\"linked_memory_ids\":[\"" + Mem0QdrantReaderTest.uuid(1)
                            + "\"],\"user_id\":\"bob\"}"));
            SchemaRegistryClient registry = new SchemaRegistryClient(stack.schemaRegistryUrl());
            ExportSummary summary = export(stack, registry, Mem0QdrantReader.open(qdrant.url() + "/mem0", Map.of()), topic);

            assertThat(summary.selected()).isEqualTo(1);
            assertThat(summary.entities().selected()).isEqualTo(1);
            assertThat(latest(stack, registry, topic)).containsOnlyKeys(Mem0QdrantReaderTest.uuid(1), Mem0QdrantReaderTest.uuid(2));
            MemoryEvent entity = latest(stack, registry, topic).get(Mem0QdrantReaderTest.uuid(2));
            assertThat(entity.getKind()).isEqualTo(Kind.ENTITY);
            assertThat(entity.getText()).isEqualTo("Toronto");
            assertThat(entity.getSource().getSystem()).isEqualTo("mem0-qdrant");
        }
    }

    private static ExportSummary export(StackEndpoints stack, SchemaRegistryClient registry, MemorySource reader,
                                        String topic) {
        return new Exporter(KafkaSettings.of(stack.bootstrapServers()), registry, 2, topic).export(reader,
                MemoryEventConverter.forSource(reader, MemoryEventConverter.DEFAULT_MAX_TEXT_CHARS), ExportProgress.NONE);
    }

    /** The latest event of each id the exporter published: on the pipeline's intake (no version gate runs here). */
    private static Map<String, MemoryEvent> latest(StackEndpoints stack, SchemaRegistryClient registry, String topic) {
        Map<String, MemoryEvent> latest = new HashMap<>();
        List<MemoryEvent> records = ExporterTest.readRecords(stack, registry, Pipeline.ofLog(topic).intake());
        records.forEach(event -> latest.put(event.getId(), event));
        return latest;
    }

    private static String doc(String index, String id, String payload) {
        return "{\"index\":{\"_index\":\"" + index + "\",\"_id\":\"" + id + "\"}}\n{\"vector\":[0.1,0.2,0.3,0.4],\"metadata\":"
                + payload + "}\n";
    }
}
