package io.memshift.exporter;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.memshift.clients.KafkaSettings;
import io.memshift.embedded.EmbeddedStackExtension;
import io.memshift.embedded.StackEndpoints;
import io.memshift.schemas.MemoryEvent;
import io.memshift.schemas.Pipeline;
import io.memshift.schemas.SchemaRegistryClient;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Mem0's Qdrant store, through a stand-in speaking Qdrant's REST API: a collection of more than 10,000 points,
 * scrolled over several pages with 503s on the way, is exported whole, each memory once, as the store holds it.
 */
@ExtendWith(EmbeddedStackExtension.class)
class Mem0QdrantReaderTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEY = "qdrant-test-secret-key-789";
    private static final int UUID_POINTS = 10_000;
    private static final int INTEGER_POINTS = 500;
    private static final int MEMORIES = UUID_POINTS + INTEGER_POINTS;

    @Test
    void everyPointOfACollectionBeyondTenThousandIsPublishedOnceAsStored(StackEndpoints stack) throws Exception {
        try (QdrantStandIn qdrant = new QdrantStandIn(KEY)) {
            qdrant.createCollection("mem0");
            for (int i = 0; i < UUID_POINTS; i++) {
                // Every third memory written by Mem0's TypeScript SDK (camelCase keys), the others by Python's.
                qdrant.upsert("mem0", uuid(i), i % 3 == 0 ? typescriptPayload(i) : pythonPayload(i));
            }
            for (int i = 0; i < INTEGER_POINTS; i++) {
                qdrant.upsert("mem0", (long) i, pythonPayload(UUID_POINTS + i));
            }
            qdrant.failEvery(7);

            SchemaRegistryClient registry = new SchemaRegistryClient(stack.schemaRegistryUrl());
            Mem0QdrantReader reader = Mem0QdrantReader.open(qdrant.url() + "/mem0", Map.of(QdrantClient.API_KEY_ENV, KEY));
            String topic = "memories.mem0qdrant";
            ExportSummary summary = new Exporter(KafkaSettings.of(stack.bootstrapServers()), registry, 3, topic).export(reader,
                    new MemoryEventConverter("mem0-qdrant", "mem0", MemoryEventConverter.DEFAULT_MAX_TEXT_CHARS),
                    ExportProgress.NONE);

            assertThat(summary.published()).isEqualTo(MEMORIES);
            assertThat(summary.rejected()).isZero();
            // 10,500 points in pages of 1,000: 11 pages, read twice (validation, then publishing).
            assertThat(qdrant.pages()).isEqualTo(2 * 11);
            assertThat(qdrant.unavailable()).as("the stand-in answered some requests 503").isGreaterThan(0);
            assertThat(qdrant.vectorsAsked()).as("the old vectors are never asked for").isZero();
            List<MemoryEvent> records = ExporterTest.readRecords(stack, registry, Pipeline.ofLog(topic).intake());
            assertThat(records).hasSize(MEMORIES);
            Map<String, MemoryEvent> byId = records.stream().collect(Collectors.toMap(MemoryEvent::getId, Function.identity()));
            assertThat(byId).hasSize(MEMORIES);

            MemoryEvent python = byId.get(uuid(124));
            assertThat(python.getText()).isEqualTo("Memory number 124");
            assertThat(python.getHash()).isEqualTo("h124");
            assertThat(python.getUserId()).isEqualTo("u4");
            assertThat(python.getAgentId()).isEqualTo("coach");
            assertThat(python.getCreatedAt()).isEqualTo("2024-04-01T10:00:00.000124-07:00");
            assertThat(python.getUpdatedAt()).isEqualTo("2024-04-02T11:00:00.000124-07:00");
            assertThat(python.getMetadata())
                    .isEqualTo("{\"source\":\"import\",\"score\":4,\"weight\":0.50,\"text_lemmatized\":\"memory number 124\"}");
            assertThat(python.getSource().getSystem()).isEqualTo("mem0-qdrant");
            assertThat(python.getSource().getName()).isEqualTo("mem0");

            MemoryEvent typescript = byId.get(uuid(123));
            assertThat(typescript.getText()).isEqualTo("Memory number 123, from TypeScript");
            assertThat(typescript.getHash()).isEqualTo("h123");
            assertThat(typescript.getUserId()).isEqualTo("u3");
            assertThat(JSON.readTree(typescript.getMetadata()).path("topic").asText()).isEqualTo("travel");

            MemoryEvent integerId = byId.get("42");
            assertThat(integerId).as("an integer point id is the memory id, as its decimal text").isNotNull();
            assertThat(integerId.getText()).isEqualTo("Memory number " + (UUID_POINTS + 42));

            // No snapshot: a second run scrolls the collection whole again, and publishes only what the topic does
            // not hold yet at that version: here the one memory the app changed since.
            ObjectNode changed = pythonPayload(7);
            changed.put("data", "Memory number 7, changed").put("updated_at", "2024-05-01T10:00:00Z");
            qdrant.upsert("mem0", uuid(7), changed);
            ExportSummary again = new Exporter(KafkaSettings.of(stack.bootstrapServers()), registry, 3, topic).export(reader,
                    new MemoryEventConverter("mem0-qdrant", "mem0", MemoryEventConverter.DEFAULT_MAX_TEXT_CHARS),
                    ExportProgress.NONE);
            assertThat(again.published()).isEqualTo(1);
            assertThat(again.skipped()).isEqualTo(MEMORIES - 1);
            List<MemoryEvent> after = ExporterTest.readRecords(stack, registry, Pipeline.ofLog(topic).intake());
            assertThat(after).hasSize(MEMORIES + 1);
            assertThat(after.stream().filter(e -> e.getId().equals(uuid(7))).map(MemoryEvent::getText))
                    .containsExactly("Memory number 7", "Memory number 7, changed");
        }
    }

    static String uuid(int i) {
        return UUID.nameUUIDFromBytes(("memory-" + i).getBytes(java.nio.charset.StandardCharsets.UTF_8)).toString();
    }

    /**
     * A payload as Mem0's Python {@code Memory} writes it: the app's metadata first, then the scope ids, then
     * {@code data}, {@code hash}, the snake_case timestamps and {@code text_lemmatized}.
     */
    static ObjectNode pythonPayload(int i) {
        String micros = String.format("%06d", i);
        ObjectNode payload = JSON.createObjectNode();
        payload.put("source", "import");
        payload.put("score", i % 10);
        payload.put("weight", new java.math.BigDecimal("0.50"));
        payload.put("user_id", "u" + i % 40);
        payload.put("agent_id", "coach");
        payload.put("data", "Memory number " + i);
        payload.put("hash", "h" + i);
        payload.put("created_at", "2024-04-01T10:00:00." + micros + "-07:00");
        payload.put("updated_at", "2024-04-02T11:00:00." + micros + "-07:00");
        payload.put("text_lemmatized", "memory number " + i);
        return payload;
    }

    /** A payload as Mem0's TypeScript {@code Memory} writes it (camelCase timestamps and lemmas). */
    static ObjectNode typescriptPayload(int i) {
        ObjectNode payload = JSON.createObjectNode();
        payload.put("topic", "travel");
        payload.put("data", "Memory number " + i + ", from TypeScript");
        payload.put("textLemmatized", "memory number " + i + " from typescript");
        payload.put("hash", "h" + i);
        payload.put("createdAt", "2024-04-01T17:00:00.000Z");
        payload.put("updatedAt", "2024-04-01T17:00:00.000Z");
        payload.put("user_id", "u" + i % 40);
        return payload;
    }
}
