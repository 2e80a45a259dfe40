package io.memshift.exporter;

import static org.assertj.core.api.Assertions.assertThat;

import io.memshift.clients.KafkaSettings;
import io.memshift.embedded.EmbeddedStackExtension;
import io.memshift.embedded.StackEndpoints;
import io.memshift.schemas.MemoryEvent;
import io.memshift.schemas.SchemaRegistryClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Mem0's own Elasticsearch store, larger than the 10,000-hit search window, is exported whole, each memory once. */
@ExtendWith(EmbeddedStackExtension.class)
class Mem0ElasticsearchReaderTest {

    private static final int MEMORIES = 10_500;
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @Test
    void everyMemoryOfAMem0IndexBeyondTheSearchWindowIsExportedOnce(StackEndpoints stack) throws Exception {
        String index = "mem0_memories";
        send(stack, "PUT", "/" + index, """
                {"mappings": {"properties": {
                  "vector": {"type": "dense_vector", "dims": 4, "index": true, "similarity": "cosine"},
                  "metadata": {"type": "object"}}}}""");
        StringBuilder bulk = new StringBuilder();
        for (int i = 0; i < MEMORIES; i++) {
            bulk.append("{\"index\":{\"_index\":\"").append(index).append("\",\"_id\":\"es-").append(i).append("\"}}\n");
            bulk.append("{\"vector\":[0.1,0.2,0.3,").append(i % 7 + 1).append("],\"metadata\":{\"data\":\"Memory number ")
                    .append(i).append("\",\"hash\":\"h").append(i).append("\",\"created_at\":\"2024-04-01T10:00:00.000001-07:00\",")
                    .append("\"updated_at\":null,\"user_id\":\"u").append(i % 40).append("\",\"agent_id\":\"coach\",")
                    .append("\"source\":\"import\",\"score\":").append(i % 10).append("}}\n");
            if (bulk.length() > 2_000_000 || i == MEMORIES - 1) {
                send(stack, "POST", "/_bulk?refresh=true", bulk.toString());
                bulk.setLength(0);
            }
        }

        SchemaRegistryClient registry = new SchemaRegistryClient(stack.schemaRegistryUrl());
        Mem0ElasticsearchReader reader = new Mem0ElasticsearchReader(stack.elasticsearchUrl() + "/" + index);
        ExportSummary summary = new Exporter(KafkaSettings.of(stack.bootstrapServers()), registry, 3).export(reader,
                new MemoryEventConverter("mem0-es", index, MemoryEventConverter.DEFAULT_MAX_TEXT_CHARS), ExportProgress.NONE);

        assertThat(summary.published()).isEqualTo(MEMORIES);
        assertThat(summary.selected()).isEqualTo(MEMORIES);
        Map<String, MemoryEvent> topic = ExporterTest.readAll(stack, registry);
        assertThat(topic.keySet().stream().filter(id -> id.startsWith("es-")).count()).isEqualTo(MEMORIES);
        MemoryEvent one = topic.get("es-123");
        assertThat(one.getText()).isEqualTo("Memory number 123");
        assertThat(one.getHash()).isEqualTo("h123");
        assertThat(one.getUserId()).isEqualTo("u3");
        assertThat(one.getAgentId()).isEqualTo("coach");
        assertThat(one.getCreatedAt()).isEqualTo("2024-04-01T10:00:00.000001-07:00");
        assertThat(one.getMetadata()).isEqualTo("{\"source\":\"import\",\"score\":3}");
        assertThat(one.getSource().getSystem()).isEqualTo("mem0-es");

        // Not a file: no checkpoint can prove the content unchanged, so a second run reads it whole again, and
        // publishes only what the topic does not hold yet at that version: here nothing but the one memory the
        // app changed since.
        send(stack, "POST", "/" + index + "/_update/es-7?refresh=true", """
                {"doc": {"metadata": {"data": "Memory number 7, changed", "updated_at": "2024-04-02T10:00:00Z"}}}""");
        ExportSummary again = new Exporter(KafkaSettings.of(stack.bootstrapServers()), registry, 3).export(reader,
                new MemoryEventConverter("mem0-es", index, MemoryEventConverter.DEFAULT_MAX_TEXT_CHARS), ExportProgress.NONE);
        assertThat(again.published()).isEqualTo(1);
        assertThat(again.skipped()).isEqualTo(MEMORIES - 1);
        assertThat(ExporterTest.readAll(stack, registry).get("es-7").getText()).isEqualTo("Memory number 7, changed");
    }

    private static void send(StackEndpoints stack, String method, String path, String body) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(stack.elasticsearchUrl() + path))
                .header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isBetween(200, 299);
        assertThat(response.body()).doesNotContain("\"errors\":true");
    }
}
