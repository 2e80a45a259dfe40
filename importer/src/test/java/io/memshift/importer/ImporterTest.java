package io.memshift.importer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch.core.GetResponse;
import co.elastic.clients.elasticsearch.core.SearchResponse;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.memshift.clients.ElasticsearchClients;
import io.memshift.clients.KafkaSettings;
import io.memshift.embedded.EmbeddedStackExtension;
import io.memshift.embedded.StackEndpoints;
import io.memshift.schemas.EmbeddedMemoryEvent;
import io.memshift.schemas.MemoryEvent;
import io.memshift.schemas.ModelFingerprint;
import io.memshift.schemas.Op;
import io.memshift.schemas.SchemaRegistryClient;
import io.memshift.schemas.SourceRef;
import io.memshift.schemas.Topics;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(EmbeddedStackExtension.class)
class ImporterTest {

    private static final int DIMS = 4;

    @Test
    void writesVersionedDocumentsTombstonesDeletesAndNeverLetsAnOlderVersionWin(StackEndpoints stack) throws Exception {
        String topic = "memories.embedded.importer-test";
        List<EmbeddedMemoryEvent> events = new ArrayList<>();
        events.add(TestEvents.upsert("i-1", "Prefers window seats", 100, 1, 0, 0, 0));
        events.add(TestEvents.upsert("i-2", "Allergic to cats", 100, 0, 1, 0, 0));
        events.add(TestEvents.upsert("i-3", "Works at night", 100, 0, 0, 1, 0));
        events.add(TestEvents.upsert("i-1", "Prefers aisle seats", 200, 0.9f, 0.1f, 0, 0));
        events.add(TestEvents.delete("i-3", 300));
        TestEvents.publish(stack, topic, events);

        String index = "importer-test-1";
        // Tiny polls and bulks, several in flight, so the test crosses many bulk and commit boundaries.
        ImporterConfig config = new ImporterConfig(KafkaSettings.of(stack.bootstrapServers()), stack.schemaRegistryUrl(),
                stack.elasticsearchUrl(), topic, index, DocumentLayout.MEMSHIFT, IndexMapping.forDims(DIMS), 3, 1,
                1_000_000, 2);
        try (Importer importer = new Importer(config)) {
            importer.start();
            await().atMost(Duration.ofSeconds(60)).until(() -> importer.outcome().indexed()
                    + importer.outcome().deleted() + importer.outcome().stale() >= 4);
            // Late, older versions arrive after the newer ones were written: both must lose.
            TestEvents.publish(stack, topic, List.of(TestEvents.upsert("i-1", "Prefers window seats", 100, 1, 0, 0, 0),
                    TestEvents.upsert("i-3", "Works at night", 150, 0, 0, 1, 0)));
            await().atMost(Duration.ofSeconds(60)).until(() -> importer.outcome().stale() >= 2);
            assertThat(importer.failure()).isNull();
        }

        try (ElasticsearchClient es = ElasticsearchClients.connect(stack.elasticsearchUrl())) {
            es.indices().refresh(r -> r.index(index));
            GetResponse<ObjectNode> one = es.get(g -> g.index(index).id("i-1"), ObjectNode.class);
            assertThat(one.version()).isEqualTo(200);
            assertThat(one.source().get("text").asText()).isEqualTo("Prefers aisle seats");
            // The metadata reaches _source byte for byte (1.50 stays 1.50): read the raw source over HTTP.
            String raw = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create(stack.elasticsearchUrl() + "/" + index + "/_source/i-1")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString()).body();
            assertThat(raw).contains("\"metadata\":{\"k\":\"v\",\"n\":1.50}");
            assertThat(one.source().get("embedding")).hasSize(DIMS);
            GetResponse<ObjectNode> three = es.get(g -> g.index(index).id("i-3"), ObjectNode.class);
            assertThat(three.version()).isEqualTo(300);
            assertThat(three.source().get("deleted").asBoolean()).isTrue();
            assertThat(three.source().has("text")).isFalse();

            IndexLifecycle lifecycle = new IndexLifecycle(es);
            assertThat(lifecycle.pointAlias("importer-test", index)).isEmpty();
            assertThat(lifecycle.aliasTargets("importer-test")).containsExactly(index);
            // Through the alias the tombstone is invisible to counts and to kNN.
            assertThat(es.count(c -> c.index("importer-test")).count()).isEqualTo(2);
            SearchResponse<ObjectNode> knn = es.search(s -> s.index("importer-test")
                    .knn(k -> k.field("embedding").queryVector(0f, 0f, 1f, 0f).k(3).numCandidates(10)), ObjectNode.class);
            assertThat(knn.hits().hits()).extracting(h -> h.id()).containsExactlyInAnyOrder("i-1", "i-2");

            assertThatThrownBy(() -> lifecycle.ensureIndex(index, DocumentLayout.MEMSHIFT, IndexMapping.forDims(8), topic))
                    .hasMessageContaining("exists with 4-d vectors").hasMessageContaining("8-d");
        }
    }

}
