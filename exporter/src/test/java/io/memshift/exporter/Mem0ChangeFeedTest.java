package io.memshift.exporter;

import static org.assertj.core.api.Assertions.assertThat;

import io.memshift.embedded.EmbeddedStackExtension;
import io.memshift.embedded.StackEndpoints;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The change feed of Mem0's Elasticsearch store ({@code migrate --follow}): Elasticsearch selects the memories and
 * entities changed since a moment, by {@code updated_at} or else {@code created_at}, in the Python library's
 * spelling (an offset time) and the TypeScript SDK's ({@code updatedAt}, {@code createdAt}, UTC), and nothing older.
 * Mem0 writes its entities without timestamps (both libraries): such an entity is never selected (continuous sync
 * finds entity changes by its periodic reconciliation); an entity store that has them is selected like memories.
 */
@ExtendWith(EmbeddedStackExtension.class)
class Mem0ChangeFeedTest {


    @Test
    void onlyWhatChangedSinceTheMomentIsRead(StackEndpoints stack) throws Exception {
        String index = "mem0_feed_" + UUID.randomUUID().toString().substring(0, 8);
        StringBuilder bulk = new StringBuilder();
        // Python: created long ago, updated after the moment (10:00Z = 03:00-07:00).
        doc(bulk, index, "py-updated", "{\"data\":\"a\",\"user_id\":\"u\",\"created_at\":\"2024-01-01T00:00:00-07:00\","
                + "\"updated_at\":\"2024-05-01T03:30:00.123456-07:00\"}");
        // Python: created after the moment, never updated.
        doc(bulk, index, "py-created", "{\"data\":\"b\",\"user_id\":\"u\",\"created_at\":\"2024-05-01T04:00:00-07:00\","
                + "\"updated_at\":null}");
        // Python: changed before the moment (02:59-07:00 is 09:59Z).
        doc(bulk, index, "py-old", "{\"data\":\"c\",\"user_id\":\"u\",\"created_at\":\"2024-01-01T00:00:00-07:00\","
                + "\"updated_at\":\"2024-05-01T02:59:00-07:00\"}");
        // TypeScript: camelCase, UTC.
        doc(bulk, index, "ts-updated", "{\"data\":\"d\",\"userId\":\"u\",\"createdAt\":\"2024-01-01T00:00:00.000Z\","
                + "\"updatedAt\":\"2024-05-01T10:00:00.000Z\"}");
        doc(bulk, index, "ts-old", "{\"data\":\"e\",\"userId\":\"u\",\"createdAt\":\"2024-04-30T23:00:00.000Z\"}");
        doc(bulk, index + "_entities", "ent-new", "{\"data\":\"Lisbon\",\"user_id\":\"u\",\"entityType\":\"place\","
                + "\"createdAt\":\"2024-01-01T00:00:00.000Z\",\"updatedAt\":\"2024-05-01T11:00:00.000Z\"}");
        doc(bulk, index + "_entities", "ent-old", "{\"data\":\"Berlin\",\"user_id\":\"u\",\"entityType\":\"place\","
                + "\"createdAt\":\"2024-01-01T00:00:00.000Z\",\"updatedAt\":\"2024-01-01T00:00:00.000Z\"}");
        // As Mem0 writes an entity: no timestamp at all.
        doc(bulk, index + "_entities", "ent-untimed", "{\"data\":\"Maya\",\"user_id\":\"u\",\"entityType\":\"person\","
                + "\"linkedMemoryIds\":[\"ts-updated\"]}");
        StoreBulk.send(stack, "POST", "/_bulk?refresh=true", bulk.toString());

        Mem0ElasticsearchReader reader = new Mem0ElasticsearchReader(stack.elasticsearchUrl() + "/" + index);
        List<String> memories = new ArrayList<>();
        List<String> entities = new ArrayList<>();
        reader.forEachChangedSince(Instant.parse("2024-05-01T10:00:00Z"), m -> memories.add(m.json().get("id").asText()),
                e -> entities.add(e.id()));

        assertThat(reader.selectsOnServer()).isTrue();
        assertThat(memories).containsExactlyInAnyOrder("py-updated", "py-created", "ts-updated");
        assertThat(entities).containsExactly("ent-new");

        // What a poll then publishes: each read memory as the exporter converts it (same versions, payload verbatim).
        List<SourceMemory> read = new ArrayList<>();
        reader.forEachChangedSince(Instant.parse("2024-05-01T10:00:00Z"), read::add, e -> { });
        SourceMemory tsUpdated = read.stream().filter(m -> m.json().get("id").asText().equals("ts-updated")).findFirst()
                .orElseThrow();
        assertThat(tsUpdated.payload()).contains("\"updatedAt\":\"2024-05-01T10:00:00.000Z\"");
    }

    private static void doc(StringBuilder bulk, String index, String id, String metadata) {
        bulk.append("{\"index\":{\"_index\":\"").append(index).append("\",\"_id\":\"").append(id).append("\"}}\n")
                .append("{\"vector\":[0.1,0.2,0.3,0.4],\"metadata\":").append(metadata).append("}\n");
    }
}
