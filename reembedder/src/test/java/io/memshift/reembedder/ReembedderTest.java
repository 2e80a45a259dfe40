package io.memshift.reembedder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.langchain4j.model.embedding.EmbeddingModel;
import io.memshift.clients.KafkaClients;
import io.memshift.clients.KafkaSettings;
import io.memshift.embedded.EmbeddedStackExtension;
import io.memshift.embedded.StackEndpoints;
import io.memshift.schemas.EmbeddedMemoryEvent;
import io.memshift.schemas.MemoryEvent;
import io.memshift.schemas.MemoryVersion;
import io.memshift.schemas.Op;
import io.memshift.schemas.SchemaRegistryClient;
import io.memshift.schemas.SourceRef;
import io.memshift.schemas.Topic;
import io.memshift.schemas.Topics;
import io.memshift.schemas.testing.CommittedRecords;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(EmbeddedStackExtension.class)
class ReembedderTest {

    private static final String MODEL = "onnx:all-minilm-l6-v2-q";

    @Test
    void embedsEveryUpsertOnceWithTheModelsVectorAndPassesDeletesThrough(StackEndpoints stack) throws Exception {
        ModelProfile profile = EmbeddingModels.profile(MODEL);
        EmbeddingModel model = profile.factory().get();
        SchemaRegistryClient registry = new SchemaRegistryClient(stack.schemaRegistryUrl());
        List<MemoryEvent> events = new ArrayList<>();
        for (int i = 0; i < 150; i++) {
            events.add(upsert("r-" + i, "Memory number " + i + ": user likes topic " + (i * 7 % 13)));
        }
        events.add(delete("r-3"));
        publish(stack, registry, events);

        // Phase 1: huge batches that never fill and never time out, and a model that is down for each task's
        // small first batch (BatchingEmbedProcessor.FIRST_BATCH_SIZE), so every record waits in the store; then a
        // clean stop. Phase 2 restarts: the store is restored from its changelog and flushed.
        Path state = Files.createTempDirectory("reembed-state-");
        ReembedderConfig waiting = ReembedderConfig.of(KafkaSettings.of(stack.bootstrapServers()), stack.schemaRegistryUrl(), MODEL,
                10_000, Duration.ofHours(1), state);
        ScriptedModel down = new ScriptedModel(model);
        down.failure = texts -> ProviderErrors.unavailable();
        try (Reembedder reembedder = new Reembedder(waiting, profile, down)) {
            reembedder.start();
            await().atMost(Duration.ofSeconds(90)).until(() -> committedLag(stack, reembedder.applicationId()) == 0);
            assertThat(reembedder.metrics().events()).isZero();
        }
        assertThat(readOutput(stack, registry, profile)).isEmpty();

        ReembedderConfig flushing = ReembedderConfig.of(KafkaSettings.of(stack.bootstrapServers()), stack.schemaRegistryUrl(), MODEL,
                64, Duration.ofMillis(100), state);
        try (Reembedder reembedder = new Reembedder(flushing, profile, model)) {
            reembedder.start();
            await().atMost(Duration.ofSeconds(90)).until(() -> readOutput(stack, registry, profile).size() == 150);
            assertThat(reembedder.state()).isIn(KafkaStreams.State.RUNNING, KafkaStreams.State.REBALANCING);
        }

        List<ConsumerRecord<String, EmbeddedMemoryEvent>> output = readOutput(stack, registry, profile);
        Map<String, EmbeddedMemoryEvent> byId = new HashMap<>();
        for (ConsumerRecord<String, EmbeddedMemoryEvent> record : output) {
            assertThat(byId.put(record.key(), record.value())).as("each memory exactly once").isNull();
        }
        assertThat(byId).hasSize(150);
        EmbeddedMemoryEvent deleted = byId.get("r-3");
        assertThat(deleted.getMemory().getOp()).isEqualTo(Op.DELETE);
        assertThat(deleted.getEmbedding()).isNull();
        for (MemoryEvent event : events.subList(0, 20)) {
            if (event.getId().equals("r-3")) {
                continue;
            }
            EmbeddedMemoryEvent out = byId.get(event.getId());
            assertThat(out.getMemory()).isEqualTo(event);
            assertThat(out.getModel().getDims()).isEqualTo(384);
            float[] expected = model.embed(event.getText()).content().vector();
            assertThat(Vectors.cosine(expected, out.getEmbedding())).isGreaterThan(0.99999);
        }
    }

    private static MemoryEvent upsert(String id, String text) {
        Instant at = Instant.parse("2024-05-01T10:00:00Z");
        return MemoryEvent.newBuilder().setOp(Op.UPSERT).setId(id).setText(text).setHash("h-" + id)
                .setUserId("u").setCreatedAt(at.toString()).setCreatedAtTs(at)
                .setVersion(MemoryVersion.ofUpsert(null, at, text))
                .setSource(SourceRef.newBuilder().setSystem("test").setName("ReembedderTest").build()).build();
    }

    private static MemoryEvent delete(String id) {
        return MemoryEvent.newBuilder().setOp(Op.DELETE).setId(id)
                .setVersion(MemoryVersion.ofDelete(Instant.parse("2024-06-01T10:00:00Z")))
                .setSource(SourceRef.newBuilder().setSystem("test").setName("ReembedderTest").build()).build();
    }

    private static void publish(StackEndpoints stack, SchemaRegistryClient registry, List<MemoryEvent> events)
            throws Exception {
        KafkaClients kafka = new KafkaClients(KafkaSettings.of(stack.bootstrapServers()));
        try (Admin client = kafka.admin()) {
            Topics.ensureExists(client, Topics.memoriesTopic(3));
        }
        Properties props = kafka.producerConfig();
        Topic<String, MemoryEvent> memories = Topics.memories(registry);
        try (KafkaProducer<String, MemoryEvent> producer = memories.producer(props)) {
            for (MemoryEvent event : events) {
                producer.send(new ProducerRecord<>(memories.name(), event.getId(), event)).get();
            }
        }
    }

    private static long committedLag(StackEndpoints stack, String groupId) throws Exception {
        KafkaClients kafka = new KafkaClients(KafkaSettings.of(stack.bootstrapServers()));
        try (Admin admin = kafka.admin();
             KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerProps(stack),
                     new org.apache.kafka.common.serialization.ByteArrayDeserializer(),
                     new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
            var committed = admin.listConsumerGroupOffsets(groupId).partitionsToOffsetAndMetadata().get();
            List<TopicPartition> partitions = consumer.partitionsFor(Topics.MEMORIES).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            long lag = 0;
            for (var end : consumer.endOffsets(partitions).entrySet()) {
                var done = committed.get(end.getKey());
                lag += end.getValue() - (done == null ? 0 : done.offset());
            }
            return lag;
        }
    }

    static List<ConsumerRecord<String, EmbeddedMemoryEvent>> readOutput(StackEndpoints stack,
            SchemaRegistryClient registry, ModelProfile profile) {
        return CommittedRecords.readToEnd(stack.bootstrapServers(),
                Topics.embedded(Topics.embeddedTopicName(profile.id()), registry));
    }

    private static Properties consumerProps(StackEndpoints stack) {
        return new KafkaClients(KafkaSettings.of(stack.bootstrapServers())).committedReaderConfig();
    }
}
