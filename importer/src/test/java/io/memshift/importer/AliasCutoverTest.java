package io.memshift.importer;

import static org.assertj.core.api.Assertions.assertThat;

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

/** Readers polling the alias during cutovers and rollbacks see one whole index or the other, never none or both. */
@ExtendWith(EmbeddedStackExtension.class)
class AliasCutoverTest {

    @Test
    void cutoverAndRollbackAreAtomicForAReaderPollingTheAlias(StackEndpoints stack) throws Exception {
        try (ElasticsearchClient es = ElasticsearchClients.connect(stack.elasticsearchUrl())) {
            fill(es, "atomic-old", 40);
            fill(es, "atomic-new", 70);
            IndexLifecycle lifecycle = new IndexLifecycle(es);
            lifecycle.cutover("atomic", "atomic-old");

            Set<String> seen = ConcurrentHashMap.newKeySet();
            AtomicLong reads = new AtomicLong();
            AtomicBoolean running = new AtomicBoolean(true);
            HttpClient http = HttpClient.newHttpClient();
            Thread reader = new Thread(() -> {
                HttpRequest count = HttpRequest.newBuilder(URI.create(stack.elasticsearchUrl() + "/atomic/_count")).build();
                while (running.get()) {
                    try {
                        HttpResponse<String> response = http.send(count, HttpResponse.BodyHandlers.ofString());
                        seen.add(response.statusCode() + " " + FaultInjectingProxy.parse(response.body()).path("count").asText());
                        reads.incrementAndGet();
                    } catch (Exception e) {
                        seen.add("error " + e);
                    }
                }
            });
            reader.start();
            for (int i = 0; i < 5; i++) {
                assertThat(lifecycle.cutover("atomic", "atomic-new")).containsExactly("atomic-old");
                assertThat(lifecycle.rollback("atomic")).isEqualTo(List.of("atomic-new", "atomic-old"));
            }
            lifecycle.cutover("atomic", "atomic-new");
            Thread.sleep(200);
            running.set(false);
            reader.join();

            assertThat(reads.get()).isGreaterThan(10);
            assertThat(seen).containsOnly("200 40", "200 70").contains("200 40", "200 70");
            assertThat(lifecycle.aliasTargets("atomic")).containsExactly("atomic-new");
            assertThat(lifecycle.meta("atomic-new")).containsEntry(IndexLifecycle.META_CUTOVER_FROM, "atomic-old");
        }
    }

    @Test
    void eachAliasRollsBackToItsOwnEarlierIndex(StackEndpoints stack) throws Exception {
        try (ElasticsearchClient es = ElasticsearchClients.connect(stack.elasticsearchUrl())) {
            fill(es, "store-a-old", 3);
            fill(es, "store-b-old", 4);
            fill(es, "shared-new", 5);
            IndexLifecycle lifecycle = new IndexLifecycle(es);
            lifecycle.cutover("alias-a", "store-a-old");
            lifecycle.cutover("alias-b", "store-b-old");
            lifecycle.cutover("alias-a", "shared-new");
            lifecycle.cutover("alias-b", "shared-new"); // the index's last cutover came from store-b-old

            // Alias a goes back to its own store, never to the other alias's.
            assertThat(lifecycle.rollback("alias-a")).isEqualTo(List.of("shared-new", "store-a-old"));
            assertThat(lifecycle.rollback("alias-b")).isEqualTo(List.of("shared-new", "store-b-old"));
        }
    }

    @Test
    void anIndexFilledFromOneTopicIsNotFilledFromAnother(StackEndpoints stack) throws Exception {
        try (ElasticsearchClient es = ElasticsearchClients.connect(stack.elasticsearchUrl())) {
            IndexLifecycle lifecycle = new IndexLifecycle(es);
            lifecycle.ensureIndex("one-topic-idx", DocumentLayout.MEMSHIFT, IndexMapping.forDims(4), "memories.embedded.m-a");
            // The same importer again (a restart, another instance) is at home there...
            assertThat(lifecycle.ensureIndex("one-topic-idx", DocumentLayout.MEMSHIFT, IndexMapping.forDims(4),
                    "memories.embedded.m-a")).isFalse();
            // ...another model's vectors of the same size are not written over its own.
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> lifecycle.ensureIndex("one-topic-idx",
                            DocumentLayout.MEMSHIFT, IndexMapping.forDims(4), "memories.embedded.m-b"))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("index one-topic-idx is filled from topic memories.embedded.m-a, not"
                            + " memories.embedded.m-b (another model or pipeline): choose another --index");
        }
    }

    private static void fill(ElasticsearchClient es, String index, int count) throws Exception {
        new IndexLifecycle(es).ensureIndex(index, DocumentLayout.MEMSHIFT, IndexMapping.forDims(4), "none");
        for (int i = 0; i < count; i++) {
            String id = index + "-" + i;
            var doc = DocumentLayout.MEMSHIFT.document(TestEvents.upsert(id, "text " + i, 1, 1, 0, 0, i));
            es.index(x -> x.index(index).id(id).document(doc));
        }
        es.indices().refresh(r -> r.index(index));
    }
}
