package io.memshift.importer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.memshift.clients.ElasticsearchClients;
import io.memshift.embedded.EmbeddedStackExtension;
import io.memshift.embedded.StackEndpoints;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The mem0 layout on the real servers: the payload arrives byte for byte where Mem0 reads it, a deleted memory is
 * gone for Mem0's get, search and list and stays gone when an older upsert arrives after Elasticsearch has
 * forgotten the removal ({@code index.gc_deletes}), and Mem0's own writes through the alias succeed.
 */
@ExtendWith(EmbeddedStackExtension.class)
class Mem0LayoutImporterTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    /** As Mem0's Python library stores one (its client writes compact JSON), with a number form of its own. */
    private static final String PYTHON_PAYLOAD = "{\"source\":\"chat\",\"score\":1.50,\"user_id\":\"alice\",\"role\":\"user\","
            + "\"data\":\"Prefers window seats\",\"hash\":\"5d4\",\"created_at\":\"2024-07-20T01:03:19.545405-07:00\","
            + "\"updated_at\":\"2024-07-20T01:03:19.545405-07:00\",\"text_lemmatized\":\"prefer window seat\"}";
    /** As Mem0's TypeScript SDK stores one: camelCase. */
    private static final String TS_PAYLOAD = "{\"user_id\":\"alice\",\"data\":\"Allergic to cats\",\"hash\":\"a1c\","
            + "\"textLemmatized\":\"allergic cat\",\"createdAt\":\"2025-02-03T04:05:06.789Z\",\"note\":\"caf\\u00e9\"}";

    @Test
    void mem0ReadsTheIndexAsItsOwnAndADeletedMemoryNeverComesBack(StackEndpoints stack) throws Exception {
        String topic = "mem0-layout-test";
        String index = "mem0-layout-1";
        TestEvents.publish(stack, topic, List.of(
                TestEvents.withPayload(TestEvents.upsert("p-1", "Prefers window seats", 100, 1, 0, 0, 0), PYTHON_PAYLOAD),
                TestEvents.withPayload(TestEvents.upsert("p-2", "Allergic to cats", 100, 0, 1, 0, 0), TS_PAYLOAD),
                TestEvents.upsert("p-3", "Works at night", 100, 0, 0, 1, 0)));
        try (ElasticsearchClient es = ElasticsearchClients.connect(stack.elasticsearchUrl());
             Importer importer = new Importer(TestEvents.config(stack, topic, index, DocumentLayout.MEM0))) {
            importer.start();
            await().atMost(Duration.ofSeconds(60)).until(() -> importer.outcome().indexed() >= 3);

            // Byte for byte where Mem0 reads it: _source.metadata is the source's payload, spelling and all.
            assertThat(get(stack, "/" + index + "/_source/p-1").body()).startsWith("{\"vector\":[1.0,0.0,0.0,0.0],"
                    + "\"metadata\":" + PYTHON_PAYLOAD + ",\"memshift\":{\"version\":100,");
            assertThat(get(stack, "/" + index + "/_source/p-2").body()).contains("\"metadata\":" + TS_PAYLOAD + ",");
            // A memory from a source without a payload gets the one Mem0's Python library would have written.
            assertThat(get(stack, "/" + index + "/_source/p-3").body()).contains("\"metadata\":{\"k\":\"v\",\"n\":1.50,"
                    + "\"user_id\":\"alice\",\"data\":\"Works at night\",\"hash\":\"h\",\"created_at\":\"2024-01-01T00:00:00Z\"}");

            TestEvents.publish(stack, topic, List.of(TestEvents.delete("p-3", 300)));
            await().atMost(Duration.ofSeconds(60)).until(() -> importer.outcome().deleted() >= 1);
            // The delete removed p-3: a GET by id (which no alias filter reaches) finds nothing.
            assertThat(get(stack, "/" + index + "/_doc/p-3").statusCode()).isEqualTo(404);
            assertThat(JSON.readTree(get(stack, "/" + DeleteLedger.indexFor(index) + "/_doc/p-3").body())
                    .get("_version").asLong()).isEqualTo(300);

            // Elasticsearch forgets a removal's version after index.gc_deletes (0 s here) ...
            es.indices().putSettings(s -> s.index(index).settings(x -> x.gcDeletes(t -> t.time("0s"))));
            send(stack, "PUT", "/" + index + "/_doc/control?version=300&version_type=external", "{\"metadata\":{\"data\":\"c\"}}");
            send(stack, "DELETE", "/" + index + "/_doc/control?version=400&version_type=external", null);
            Thread.sleep(1500);
            es.indices().flush(f -> f.index(index));
            es.indices().refresh(r -> r.index(index));
            assertThat(send(stack, "PUT", "/" + index + "/_doc/control?version=350&version_type=external",
                    "{\"metadata\":{\"data\":\"c\"}}").statusCode()).as("an older write is accepted once ES forgot").isEqualTo(201);
            send(stack, "DELETE", "/" + index + "/_doc/control", null);
            // ... but a late, older upsert of p-3 is dropped: the ledger remembers.
            BulkOutcome before = importer.outcome();
            TestEvents.publish(stack, topic, List.of(TestEvents.upsert("p-3", "Works at night", 200, 0, 0, 1, 0)));
            await().atMost(Duration.ofSeconds(60)).until(() -> importer.outcome().settled() > before.settled());
            assertThat(importer.failure()).isNull();
            assertThat(get(stack, "/" + index + "/_doc/p-3").statusCode()).as("p-3 came back").isEqualTo(404);
            assertThat(importer.outcome().stale()).isEqualTo(before.stale() + 1);

            // The arrival check counts the recorded delete as p-3 having arrived (deleted).
            ArrivalCheck arrival = new ArrivalCheck(es, index, DocumentLayout.MEM0, Map.of("p-1", 100L, "p-2", 100L, "p-3", 100L));
            assertThat(arrival.check()).isZero();
            assertThat(arrival.arrivedDeleted()).isEqualTo(1);

            // Through the alias, Mem0's own requests (as its Elasticsearch store sends them) see two memories ...
            IndexLifecycle lifecycle = new IndexLifecycle(es);
            lifecycle.cutover("mem0_layout", index);
            es.indices().refresh(r -> r.index(index));
            String byUser = "{\"query\":{\"bool\":{\"must\":[{\"term\":{\"metadata.user_id\":\"alice\"}}]}},\"size\":100}";
            assertThat(ids(send(stack, "POST", "/mem0_layout/_search", byUser))).containsExactlyInAnyOrder("p-1", "p-2");
            String knn = "{\"knn\":{\"field\":\"vector\",\"query_vector\":[0,0,1,0],\"k\":3,\"num_candidates\":6,"
                    + "\"filter\":{\"bool\":{\"must\":[{\"term\":{\"metadata.user_id\":\"alice\"}}]}}}}";
            assertThat(ids(send(stack, "POST", "/mem0_layout/_search", knn))).containsExactlyInAnyOrder("p-1", "p-2");
            assertThat(get(stack, "/mem0_layout/_doc/p-3").statusCode()).isEqualTo(404);

            // ... and its writes succeed: add (a bulk index, Mem0 ignores item errors, so read back), update, delete.
            HttpResponse<String> add = send(stack, "POST", "/_bulk?refresh=true",
                    "{\"index\":{\"_index\":\"mem0_layout\",\"_id\":\"new-1\"}}\n{\"vector\":[0.1,0.2,0.3,0.4],\"metadata\":"
                            + "{\"user_id\":\"alice\",\"data\":\"Learns Go\",\"hash\":\"x\",\"textLemmatized\":\"learn go\","
                            + "\"createdAt\":\"2025-03-01T00:00:00.000Z\",\"project\":{\"name\":\"p\",\"tags\":[\"a\"]}}}\n");
            assertThat(JSON.readTree(add.body()).get("errors").asBoolean()).as(add.body()).isFalse();
            send(stack, "POST", "/mem0_layout/_update/p-2?refresh=true", "{\"doc\":{\"vector\":[0,1,0.5,0],"
                    + "\"metadata\":{\"user_id\":\"alice\",\"data\":\"Allergic to dogs\",\"updatedAt\":\"2025-03-02T00:00:00.000Z\"}}}");
            assertThat(JSON.readTree(get(stack, "/mem0_layout/_doc/p-2").body()).get("_source").get("metadata")
                    .get("data").asText()).isEqualTo("Allergic to dogs");
            assertThat(get(stack, "/mem0_layout/_doc/new-1").statusCode()).isEqualTo(200);
            assertThat(send(stack, "DELETE", "/mem0_layout/_doc/new-1?refresh=true", null).statusCode()).isEqualTo(200);
        }
    }

    private static List<String> ids(HttpResponse<String> response) throws Exception {
        List<String> ids = new java.util.ArrayList<>();
        JSON.readTree(response.body()).path("hits").path("hits").forEach(hit -> ids.add(hit.get("_id").asText()));
        return ids;
    }

    private static HttpResponse<String> get(StackEndpoints stack, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(stack.elasticsearchUrl() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> send(StackEndpoints stack, String method, String path, String body) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(stack.elasticsearchUrl() + path))
                .header("Content-Type", body != null && body.endsWith("\n") ? "application/x-ndjson" : "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(method + " " + path + ": " + response.body()).isBetween(200, 299);
        return response;
    }
}
