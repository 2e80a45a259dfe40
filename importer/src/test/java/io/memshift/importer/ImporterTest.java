package io.memshift.importer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch.core.GetResponse;
import co.elastic.clients.elasticsearch.core.SearchResponse;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(EmbeddedStackExtension.class)
class ImporterTest {

    private static final int DIMS = 4;
    private static final ModelFingerprint MODEL = ModelFingerprint.newBuilder().setProvider("test").setName("unit")
            .setRevision(null).setDims(DIMS).setPrefix(null).build();

    @Test
    void writesVersionedDocumentsTombstonesDeletesAndNeverLetsAnOlderVersionWin(StackEndpoints stack) throws Exception {
        String topic = "memories.embedded.importer-test";
        List<EmbeddedMemoryEvent> events = new ArrayList<>();
        events.add(upsert("i-1", "Prefers window seats", 100, new float[] {1, 0, 0, 0}));
        events.add(upsert("i-2", "Allergic to cats", 100, new float[] {0, 1, 0, 0}));
        events.add(upsert("i-3", "Works at night", 100, new float[] {0, 0, 1, 0}));
        events.add(upsert("i-1", "Prefers aisle seats", 200, new float[] {0.9f, 0.1f, 0, 0}));
        events.add(delete("i-3", 300));
        publish(stack, topic, events);

        String index = "importer-test-1";
        // Tiny polls and bulks, several in flight, so the test crosses many bulk and commit boundaries.
        ImporterConfig config = new ImporterConfig(stack.bootstrapServers(), stack.schemaRegistryUrl(),
                stack.elasticsearchUrl(), topic, index, IndexMapping.forDims(DIMS), 3, 1, 1_000_000, 2);
        try (Importer importer = new Importer(config)) {
            importer.start();
            await().atMost(Duration.ofSeconds(60)).until(() -> importer.outcome().indexed()
                    + importer.outcome().tombstoned() + importer.outcome().stale() >= 4);
            // Late, older versions arrive after the newer ones were written: both must lose.
            publish(stack, topic, List.of(upsert("i-1", "Prefers window seats", 100, new float[] {1, 0, 0, 0}),
                    upsert("i-3", "Works at night", 150, new float[] {0, 0, 1, 0})));
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

            assertThatThrownBy(() -> lifecycle.ensureIndex(index, IndexMapping.forDims(8), topic))
                    .hasMessageContaining("exists with 4-d vectors").hasMessageContaining("8-d");
        }
    }

    private static EmbeddedMemoryEvent upsert(String id, String text, long version, float[] vector) {
        List<Float> embedding = new ArrayList<>();
        for (float v : vector) {
            embedding.add(v);
        }
        MemoryEvent memory = MemoryEvent.newBuilder().setOp(Op.UPSERT).setId(id).setText(text).setHash("h")
                .setUserId("alice").setMetadata("{\"k\":\"v\",\"n\":1.50}")
                .setCreatedAt("2024-01-01T00:00:00Z").setCreatedAtTs(Instant.parse("2024-01-01T00:00:00Z"))
                .setVersion(version).setSource(SourceRef.newBuilder().setSystem("test").setName("t").build()).build();
        return EmbeddedMemoryEvent.newBuilder().setMemory(memory).setEmbedding(embedding).setModel(MODEL)
                .setEmbeddedAt(Instant.now()).build();
    }

    private static EmbeddedMemoryEvent delete(String id, long version) {
        MemoryEvent memory = MemoryEvent.newBuilder().setOp(Op.DELETE).setId(id).setVersion(version)
                .setSource(SourceRef.newBuilder().setSystem("test").setName("t").build()).build();
        return EmbeddedMemoryEvent.newBuilder().setMemory(memory).setEmbedding(null).setModel(MODEL)
                .setEmbeddedAt(Instant.now()).build();
    }

    private static void publish(StackEndpoints stack, String topic, List<EmbeddedMemoryEvent> events) throws Exception {
        Properties admin = new Properties();
        admin.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        try (Admin client = Admin.create(admin)) {
            Topics.ensureExists(client, new Topics.TopicSpec(topic, 1, java.util.Map.of()));
        }
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        SchemaRegistryClient registry = new SchemaRegistryClient(stack.schemaRegistryUrl());
        try (KafkaProducer<String, EmbeddedMemoryEvent> producer = new KafkaProducer<>(props,
                Topics.keySerde().serializer(), Topics.embeddedMemoryEventSerde(registry).serializer())) {
            for (EmbeddedMemoryEvent event : events) {
                producer.send(new ProducerRecord<>(topic, event.getMemory().getId(), event)).get();
            }
        }
    }
}
