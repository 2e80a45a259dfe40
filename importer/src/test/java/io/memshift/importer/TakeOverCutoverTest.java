package io.memshift.importer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import io.memshift.clients.ElasticsearchClients;
import io.memshift.embedded.EmbeddedStackExtension;
import io.memshift.embedded.StackEndpoints;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A Mem0 app that keeps its collection name: the cutover gives the old index's name to an alias of the new index
 * in one atomic call, keeps the old index as a copy, and rollback goes back to that copy. A reader getting a memory
 * by id through the name all along sees the old memory or the new one, never a 404 (a read in flight at the instant
 * the old index is removed gets a 503 that a client retries).
 */
@ExtendWith(EmbeddedStackExtension.class)
class TakeOverCutoverTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @Test
    void theNewIndexTakesOverTheAppsIndexNameAtomicallyAndRollbackRestoresTheOld(StackEndpoints stack) throws Exception {
        // The app's index as Mem0 creates it (5 shards, 1 replica: yellow on one node), and the migrated one.
        send(stack, "PUT", "/takeover_app", "{\"settings\":{\"index\":{\"number_of_replicas\":1,\"number_of_shards\":5}},"
                + "\"mappings\":{\"properties\":{\"vector\":{\"type\":\"dense_vector\",\"dims\":4,\"index\":true,"
                + "\"similarity\":\"cosine\"},\"metadata\":{\"type\":\"object\",\"properties\":{\"user_id\":{\"type\":\"keyword\"}}}}}}");
        try (ElasticsearchClient es = ElasticsearchClients.connect(stack.elasticsearchUrl())) {
            IndexLifecycle lifecycle = new IndexLifecycle(es);
            lifecycle.ensureIndex("takeover_new", DocumentLayout.MEM0, IndexMapping.forDims(4), "none");
            StringBuilder bulk = new StringBuilder();
            for (int i = 0; i < 30; i++) {
                for (String index : new String[] {"takeover_app", "takeover_new"}) {
                    bulk.append("{\"index\":{\"_index\":\"").append(index).append("\",\"_id\":\"m-").append(i).append("\"}}\n")
                            .append("{\"vector\":[1,0,0,").append(i + 1).append("],\"metadata\":{\"user_id\":\"u\",\"data\":\"")
                            .append(index.endsWith("app") ? "old " : "new ").append(i).append("\"}}\n");
                }
            }
            send(stack, "POST", "/_bulk?refresh=true", bulk.toString());
            assertThat(lifecycle.layoutOf("takeover_app")).as("an index Mem0 made reads as the mem0 layout")
                    .isSameAs(DocumentLayout.MEM0);

            Set<String> seen = ConcurrentHashMap.newKeySet();
            AtomicLong reads = new AtomicLong();
            AtomicLong retried = new AtomicLong();
            AtomicBoolean running = new AtomicBoolean(true);
            Thread reader = new Thread(() -> {
                while (running.get()) {
                    try {
                        HttpResponse<String> got = get(stack, "/takeover_app/_doc/m-7");
                        // A GET that resolves the name while the old index is being removed (its shard gone, the
                        // new alias not yet in the state the request sees) gets a 503, which Elasticsearch clients
                        // (Mem0's included) retry by default. So does this reader, after a short pause, a few times
                        // at most; what it then gets must be the old memory or the new one, never a 404.
                        for (int retry = 0; got.statusCode() == 503 && retry < 5; retry++) {
                            retried.incrementAndGet();
                            Thread.sleep(50);
                            got = get(stack, "/takeover_app/_doc/m-7");
                        }
                        seen.add(got.statusCode() + (got.body().contains("\"old 7\"") ? " old"
                                : got.body().contains("\"new 7\"") ? " new" : " " + got.body()));
                        reads.incrementAndGet();
                    } catch (Exception e) {
                        seen.add("error " + e);
                    }
                }
            });
            reader.start();
            Thread.sleep(100);
            assertThat(lifecycle.takeOver("takeover_app", "takeover_new", "takeover_app-before-memshift"))
                    .isEqualTo("takeover_app-before-memshift");
            Thread.sleep(100);
            running.set(false);
            reader.join();

            assertThat(reads.get()).isGreaterThan(10);
            assertThat(seen).containsOnly("200 old", "200 new").contains("200 old", "200 new");
            System.out.println("TakeOverCutoverTest: " + reads.get() + " reads, " + retried.get() + " retried after a 503");
            assertThat(lifecycle.aliasTargets("takeover_app")).containsExactly("takeover_new");
            assertThat(lifecycle.meta("takeover_new")).containsEntry(IndexLifecycle.META_CUTOVER_FROM, "takeover_app-before-memshift")
                    .containsEntry(IndexLifecycle.META_TOOK_OVER, "takeover_app");
            // The old index is kept whole, and writable, as the copy.
            assertThat(count(stack, "takeover_app-before-memshift")).isEqualTo(30);
            // The app writes through the name, now an alias, as before.
            send(stack, "PUT", "/takeover_app/_doc/m-new?refresh=true", "{\"vector\":[0,1,0,0],\"metadata\":{\"user_id\":\"u\",\"data\":\"added\"}}");
            assertThat(count(stack, "takeover_new")).isEqualTo(31);

            assertThat(lifecycle.rollback("takeover_app")).isEqualTo(List.of("takeover_new", "takeover_app-before-memshift"));
            assertThat(get(stack, "/takeover_app/_doc/m-7").body()).contains("\"old 7\"");
            send(stack, "PUT", "/takeover_app/_doc/m-after-rollback?refresh=true", "{\"metadata\":{\"data\":\"x\"}}");
            assertThat(count(stack, "takeover_app-before-memshift")).isEqualTo(31);
        }
    }

    @Test
    void aTakeOverThatFailsLeavesTheAppsIndexWritable(StackEndpoints stack) throws Exception {
        send(stack, "PUT", "/takeover_fail", "{\"mappings\":{\"properties\":{\"metadata\":{\"type\":\"object\"}}}}");
        try (ElasticsearchClient es = ElasticsearchClients.connect(stack.elasticsearchUrl())) {
            IndexLifecycle lifecycle = new IndexLifecycle(es);
            lifecycle.ensureIndex("takeover_fail_new", DocumentLayout.MEM0, IndexMapping.forDims(4), "none");
            // An index name Elasticsearch refuses: the clone fails after the write block was set.
            assertThatThrownBy(() -> lifecycle.takeOver("takeover_fail", "takeover_fail_new", "Not A Valid Name"))
                    .isInstanceOf(RuntimeException.class);
            send(stack, "PUT", "/takeover_fail/_doc/still-writable", "{\"metadata\":{\"data\":\"x\"}}");
            assertThat(lifecycle.aliasTargets("takeover_fail")).isEmpty();
            assertThatThrownBy(() -> lifecycle.takeOver("takeover_none", "takeover_fail_new", "x"))
                    .hasMessageContaining("'takeover_none' is not an index");
        }
    }

    private static long count(StackEndpoints stack, String index) throws Exception {
        send(stack, "POST", "/" + index + "/_refresh", "");
        String body = get(stack, "/" + index + "/_count").body();
        return FaultInjectingProxy.parse(body).path("count").asLong();
    }

    private static HttpResponse<String> get(StackEndpoints stack, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(stack.elasticsearchUrl() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static void send(StackEndpoints stack, String method, String path, String body) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(stack.elasticsearchUrl() + path))
                .header("Content-Type", body.endsWith("\n") ? "application/x-ndjson" : "application/json")
                .method(method, HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(method + " " + path + ": " + response.body()).isBetween(200, 299);
        assertThat(response.body()).doesNotContain("\"errors\":true");
    }
}
