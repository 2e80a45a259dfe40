package io.memshift.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.memshift.clients.KafkaSettings;
import io.memshift.embedded.EmbeddedStackExtension;
import io.memshift.embedded.StackEndpoints;
import io.memshift.exporter.IngestServer;
import io.memshift.exporter.Mem0ApiClient;
import io.memshift.exporter.Mem0ApiMock;
import io.memshift.exporter.MemoryEventPublisher;
import io.memshift.schemas.SchemaRegistryClient;
import io.memshift.schemas.Topics;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import io.memshift.exporter.ExportProgress;
import io.memshift.exporter.ExportSummary;
import io.memshift.exporter.Exporter;
import io.memshift.exporter.Mem0ExportReader;
import io.memshift.exporter.MemoryEventConverter;
import io.memshift.importer.ConsumerGroupLag;
import io.memshift.importer.DeleteLedger;
import io.memshift.importer.DocumentLayout;
import io.memshift.importer.Importer;
import io.memshift.importer.ImporterConfig;
import io.memshift.importer.IndexMapping;
import io.memshift.reembedder.EmbeddingModels;
import io.memshift.reembedder.ModelProfile;
import io.memshift.reembedder.Reembedder;
import io.memshift.reembedder.ReembedderConfig;
import io.memshift.reembedder.VersionGate;
import io.memshift.reembedder.VersionGateConfig;
import io.memshift.clients.StageInstance;
import io.memshift.schemas.Pipeline;
import io.memshift.clients.TopicSettings;
import java.nio.file.Files;
import java.time.Duration;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Live changes during a migration: Mem0 webhooks (add, update, delete) and memshift's own change events go through
 * {@code ingest} to a memories topic and on through the three stages into an index of the mem0 layout. Changes that
 * reach the topic before the bulk export's older copies (the hard order) still win: an updated memory keeps its
 * update, a deleted one stays deleted: gone for a GET by id, and recorded in the index's delete ledger.
 */
@ExtendWith(EmbeddedStackExtension.class)
class IngestEndToEndTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String KEY = "m0-ingest-test-key";
    private static final String T1 = "2025-06-01T08:00:00.000000-07:00";
    private static final String T2 = "2025-06-02T09:30:00.250000-07:00";

    /** The log of a pipeline of this test's own: the other tests' indices must not see its live memories. */
    private static final String TOPIC = "memories.ingest-test";
    private static final String MODEL = "onnx:all-minilm-l6-v2-q";

    @TempDir
    Path dataDir;

    @Test
    void webhooksAndChangeEventsReachTheIndexAndBeatTheOlderExportedCopies(StackEndpoints stack) throws Exception {
        try (Mem0ApiMock mem0 = new Mem0ApiMock(KEY);
             MemoryEventPublisher publisher = new MemoryEventPublisher(KafkaSettings.of(stack.bootstrapServers()),
                     new SchemaRegistryClient(stack.schemaRegistryUrl()), TOPIC, "ingest");
             IngestServer ingest = new IngestServer("127.0.0.1", 0, publisher, new Mem0ApiClient(mem0.url(), KEY))) {
            ingest.start();
            String base = "http://127.0.0.1:" + ingest.port();
            for (String id : new String[] {"ingest-a", "ingest-b", "ingest-c", "ingest-d", "ingest-e"}) {
                mem0.put(Mem0ApiMock.memory(id, "Original text of " + id, "ingest-user", null, T1, T1));
            }

            // The app adds a, b and c (Mem0 sends webhooks with id and text only).
            for (String id : new String[] {"ingest-a", "ingest-b", "ingest-c"}) {
                assertThat(post(base + "/webhooks/mem0", webhook(id, "ADD", "Original text of " + id)))
                        .containsEntry(200, "{\"published\":1,\"note\":\"upserted " + id + "\"}");
            }
            // ... updates b (the webhook carries the text; the full memory comes from the API) ...
            mem0.put(Mem0ApiMock.memory("ingest-b", "Updated text of ingest-b", "ingest-user", null, T1, T2));
            assertThat(post(base + "/webhooks/mem0", webhook("ingest-b", "UPDATE", "Updated text of ingest-b"))).containsKey(200);
            // ... deletes c.
            mem0.remove("ingest-c");
            assertThat(post(base + "/webhooks/mem0", webhook("ingest-c", "DELETE", null))).containsKey(200);

            // While the bulk export of an older snapshot is still under way, the app deletes d and updates e;
            // the live events reach the topic first, the export's older copies after them.
            mem0.remove("ingest-d");
            assertThat(post(base + "/webhooks/mem0", webhook("ingest-d", "DELETE", null))).containsKey(200);
            mem0.put(Mem0ApiMock.memory("ingest-e", "Updated text of ingest-e", "ingest-user", null, T1, T2));
            // (a webhook pointed at the bare host is told apart by its body)
            assertThat(post(base + "/", webhook("ingest-e", "UPDATE", "Updated text of ingest-e"))).containsKey(200);

            // memshift's own change events, as a batch.
            ArrayNode batch = JSON.createArrayNode();
            batch.addObject().put("op", "upsert").set("memory",
                    Mem0ApiMock.memory("ingest-f", "Own event memory f", "ingest-user", "planner", T1, null));
            batch.addObject().put("op", "delete").put("id", "ingest-g").put("deleted_at", "2025-06-03T00:00:00Z");
            assertThat(post(base + "/events", batch.toString())).containsEntry(200, "{\"published\":2}");

            // Bad requests name what is wrong and publish nothing.
            assertThat(post(base + "/events", "{\"op\":\"upsert\",\"memory\":{\"id\":\"ingest-x\",\"memory\":\"\"}}").get(400))
                    .contains("ingest-x").contains("'memory' is empty");
            assertThat(post(base + "/events", "[{\"op\":\"delete\",\"id\":\"ingest-y\"},{\"op\":\"rename\"}]").get(400))
                    .contains("events[1]").contains("'op'");
            assertThat(post(base + "/webhooks/mem0", "{\"event_details\":{\"event\":\"ADD\"}}").get(400)).contains("event_details.id");
            assertThat(post(base + "/webhooks/mem0", "{not json").get(400)).contains("not JSON");
            assertThat(ingest.published()).as("3 adds, 2 updates, 2 deletes, a batch of 2").isEqualTo(9);

            // The older snapshot: b, d and e as they were at T1.
            Path export = dataDir.resolve("older-snapshot.json");
            ObjectNode file = JSON.createObjectNode();
            ArrayNode results = file.putArray("results");
            for (String id : new String[] {"ingest-b", "ingest-d", "ingest-e"}) {
                results.add(Mem0ApiMock.memory(id, "Original text of " + id, "ingest-user", null, T1, T1));
            }
            Files.writeString(export, file.toString());
            runPipeline(stack, export);
        }

        Map<String, JsonNode> visible = search(stack, "ingest-test");
        assertThat(visible.get("ingest-a").path("metadata").path("data").asText()).isEqualTo("Original text of ingest-a");
        assertThat(visible.get("ingest-b").path("metadata").path("data").asText()).isEqualTo("Updated text of ingest-b");
        assertThat(visible.get("ingest-e").path("metadata").path("data").asText()).isEqualTo("Updated text of ingest-e");
        assertThat(visible.get("ingest-f").path("metadata").path("agent_id").asText()).isEqualTo("planner");
        assertThat(visible.get("ingest-e").path("vector")).hasSize(384);
        assertThat(visible).doesNotContainKeys("ingest-c", "ingest-d", "ingest-g", "ingest-x", "ingest-y");
        // Deleted: nothing to get by id (no ghost for Mem0's get), and recorded so an older copy cannot return.
        for (String id : new String[] {"ingest-c", "ingest-d", "ingest-g"}) {
            assertThat(HTTP.send(HttpRequest.newBuilder(URI.create(stack.elasticsearchUrl() + "/ingest-test/_doc/" + id))
                    .build(), HttpResponse.BodyHandlers.ofString()).statusCode()).as(id).isEqualTo(404);
        }
        assertThat(search(stack, DeleteLedger.indexFor("ingest-test")).keySet()).as("a deleted memory stays deleted")
                .containsExactlyInAnyOrder("ingest-c", "ingest-d", "ingest-g");
    }

    /**
     * The stages over this test's pipeline, as {@code migrate} runs them: the version gate (which puts the live
     * events and the export on the log), the export of the older snapshot (published after the live changes), the
     * re-embedder, and the importer, until the index holds every memory at its latest version.
     */
    private void runPipeline(StackEndpoints stack, Path export) throws Exception {
        SchemaRegistryClient registry = new SchemaRegistryClient(stack.schemaRegistryUrl());
        ExportSummary exported = new Exporter(KafkaSettings.of(stack.bootstrapServers()), registry, Topics.DEFAULT_PARTITIONS, TOPIC)
                .export(new Mem0ExportReader(export), new MemoryEventConverter("mem0-json", "older-snapshot.json",
                        MemoryEventConverter.DEFAULT_MAX_TEXT_CHARS), ExportProgress.NONE);
        assertThat(exported.published()).isEqualTo(3);
        ModelProfile profile = EmbeddingModels.profile(MODEL);
        // A generation of its own keeps this test's application id and output topic apart from other tests'.
        ReembedderConfig reembed = new ReembedderConfig(KafkaSettings.of(stack.bootstrapServers()), stack.schemaRegistryUrl(), MODEL, 64,
                Duration.ofMillis(100), dataDir.resolve("streams"), 41, TOPIC);
        ImporterConfig importer = ImporterConfig.of(KafkaSettings.of(stack.bootstrapServers()), stack.schemaRegistryUrl(),
                stack.elasticsearchUrl(), reembed.outputTopic(), "ingest-test", DocumentLayout.MEM0,
                IndexMapping.forDims(profile.dims()));
        try (VersionGate gate = new VersionGate(new VersionGateConfig(KafkaSettings.of(stack.bootstrapServers()),
                     stack.schemaRegistryUrl(), Pipeline.ofLog(TOPIC), TopicSettings.DEFAULT,
                     StageInstance.of("ingest-test", dataDir.resolve("streams"))));
             Reembedder reembedder = new Reembedder(reembed, profile, profile.factory().get());
             Importer imports = new Importer(importer)) {
            gate.start();
            reembedder.start();
            imports.start();
            // 9 live events and 3 exported ones; events of one memory in one batch collapse to the newest, so the
            // stages are done when every memory of the test is in the index, not after a count of events.
            await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500)).until(() -> {
                gate.requireAlive();
                assertThat(reembedder.failure()).isNull();
                assertThat(imports.failure()).isNull();
                HTTP.send(HttpRequest.newBuilder(URI.create(stack.elasticsearchUrl() + "/ingest-test*/_refresh"))
                        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
                Map<String, JsonNode> docs = search(stack, "ingest-test");
                Map<String, JsonNode> deletes = search(stack, DeleteLedger.indexFor("ingest-test"));
                // Settled: every memory there or recorded deleted, and the pipeline at rest (nothing waiting in a
                // batch, the importer caught up). A wrong final state then stays wrong, and the assertions below
                // say how.
                return docs.size() + deletes.size() >= 7 && reembedder.metrics().pending() == 0
                        && ConsumerGroupLag.of(KafkaSettings.of(stack.bootstrapServers()), gate.applicationId(),
                                gate.pipeline().intake()) == 0
                        && ConsumerGroupLag.of(KafkaSettings.of(stack.bootstrapServers()), reembedder.applicationId(), TOPIC) == 0
                        && ConsumerGroupLag.of(KafkaSettings.of(stack.bootstrapServers()), importer.groupId(), reembed.outputTopic()) == 0;
            });
        }
    }

    private static String webhook(String id, String event, String text) {
        ObjectNode details = JSON.createObjectNode().put("id", id).put("event", event);
        if (text != null) {
            details.putObject("data").put("memory", text);
        }
        ObjectNode body = JSON.createObjectNode();
        body.set("event_details", details);
        return body.toString();
    }

    /** status → body */
    private static Map<Integer, String> post(String url, String body) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(url))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        Map<Integer, String> answer = new HashMap<>();
        answer.put(response.statusCode(), response.body());
        return answer;
    }

    private static Map<String, JsonNode> search(StackEndpoints stack, String target) throws Exception {
        String query = "{\"size\":100,\"query\":{\"ids\":{\"values\":[\"ingest-a\",\"ingest-b\",\"ingest-c\","
                + "\"ingest-d\",\"ingest-e\",\"ingest-f\",\"ingest-g\",\"ingest-x\",\"ingest-y\"]}}}";
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(stack.elasticsearchUrl() + "/" + target + "/_search"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(query)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() == 404) {
            return Map.of(); // not created yet
        }
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        Map<String, JsonNode> docs = new HashMap<>();
        for (JsonNode hit : JSON.readTree(response.body()).path("hits").path("hits")) {
            docs.put(hit.get("_id").asText(), hit.get("_source"));
        }
        return docs;
    }
}
