package io.memshift.reembedder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.output.Response;
import io.memshift.clients.KafkaClients;
import io.memshift.clients.KafkaSettings;
import io.memshift.embedded.EmbeddedStackExtension;
import io.memshift.embedded.StackEndpoints;
import io.memshift.schemas.MemoryEvent;
import io.memshift.schemas.MemoryVersion;
import io.memshift.schemas.Op;
import io.memshift.schemas.SchemaRegistryClient;
import io.memshift.schemas.SourceRef;
import io.memshift.schemas.Topics;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Unchanged memories delivered again, and one text stored for many users, cost one model call per text. */
@ExtendWith(EmbeddedStackExtension.class)
class EmbeddingCacheTest {

    private static final String MODEL = "onnx:all-minilm-l6-v2-q";
    private static final String INPUT = "cache-test-input";

    /** Counts the texts the real model is asked to embed. */
    private static final class CountingModel implements EmbeddingModel {
        private final EmbeddingModel real;
        private final AtomicInteger texts = new AtomicInteger();

        CountingModel(EmbeddingModel real) {
            this.real = real;
        }

        @Override
        public Response<List<Embedding>> embedAll(List<TextSegment> segments) {
            texts.addAndGet(segments.size());
            return real.embedAll(segments);
        }
    }

    @Test
    void eachDistinctTextIsEmbeddedOnceAcrossUsersAndRedeliveries(StackEndpoints stack) throws Exception {
        ModelProfile profile = EmbeddingModels.profile(MODEL);
        CountingModel model = new CountingModel(profile.factory().get());
        SchemaRegistryClient registry = new SchemaRegistryClient(stack.schemaRegistryUrl());
        List<MemoryEvent> events = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            // 60 memories of 20 users, but only 12 distinct texts.
            events.add(upsert("c-" + i, "user-" + (i % 20), "Prefers option " + (i % 12)));
        }
        publish(stack, registry, events);

        ReembedderConfig config = new ReembedderConfig(KafkaSettings.of(stack.bootstrapServers()), stack.schemaRegistryUrl(), MODEL,
                16, Duration.ofMillis(100), Files.createTempDirectory("cache-state-"), 5, INPUT);
        try (Reembedder reembedder = new Reembedder(config, profile, model)) {
            reembedder.start();
            await().atMost(Duration.ofSeconds(90)).until(() -> reembedder.metrics().events() >= 60);
            assertThat(model.texts.get()).isEqualTo(12);

            // The same memories again, unchanged (a re-run of the export): no call to the model at all.
            publish(stack, registry, events);
            await().atMost(Duration.ofSeconds(90)).until(() -> reembedder.metrics().events() >= 120);
            assertThat(model.texts.get()).isEqualTo(12);
            assertThat(reembedder.metrics().cacheHits()).isGreaterThanOrEqualTo(60);
        }
    }

    private static MemoryEvent upsert(String id, String user, String text) {
        Instant at = Instant.parse("2024-05-01T10:00:00Z");
        return MemoryEvent.newBuilder().setOp(Op.UPSERT).setId(id).setText(text).setHash("h")
                .setUserId(user).setVersion(MemoryVersion.ofUpsert(at, at, text))
                .setSource(SourceRef.newBuilder().setSystem("test").setName("cache").build()).build();
    }

    private static void publish(StackEndpoints stack, SchemaRegistryClient registry, List<MemoryEvent> events)
            throws Exception {
        KafkaClients kafka = new KafkaClients(KafkaSettings.of(stack.bootstrapServers()));
        try (Admin client = kafka.admin()) {
            // One partition: the cache is per task (per input partition), so across partitions a text is embedded
            // at most once per partition; with one, exactly once.
            Topics.ensureExists(client, new Topics.TopicSpec(INPUT, 1, Map.of()));
        }
        try (KafkaProducer<String, MemoryEvent> producer = Topics.memories(INPUT, registry)
                .producer(kafka.producerConfig())) {
            for (MemoryEvent event : events) {
                producer.send(new ProducerRecord<>(INPUT, event.getId(), event)).get();
            }
        }
    }
}
