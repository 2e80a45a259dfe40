package io.memshift.importer;

import io.memshift.clients.KafkaClients;
import io.memshift.clients.KafkaSettings;
import io.memshift.embedded.StackEndpoints;
import io.memshift.schemas.EmbeddedMemoryEvent;
import io.memshift.schemas.Kind;
import io.memshift.schemas.MemoryEvent;
import io.memshift.schemas.ModelFingerprint;
import io.memshift.schemas.Op;
import io.memshift.schemas.SchemaRegistryClient;
import io.memshift.schemas.SourceRef;
import io.memshift.schemas.Topics;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/** Embedded events for importer tests, and a way to put them on a topic. */
final class TestEvents {

    static final ModelFingerprint MODEL = ModelFingerprint.newBuilder().setProvider("test").setName("unit")
            .setRevision(null).setDims(4).setPrefix(null).build();

    private TestEvents() {
    }

    static EmbeddedMemoryEvent upsert(String id, String text, long version, float... vector) {
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

    /** The same upsert, carrying the source store's own payload (a Mem0 store's {@code _source.metadata}). */
    static EmbeddedMemoryEvent withPayload(EmbeddedMemoryEvent event, String payload) {
        MemoryEvent memory = MemoryEvent.newBuilder(event.getMemory()).setPayload(payload).build();
        return EmbeddedMemoryEvent.newBuilder(event).setMemory(memory).build();
    }

    /** An entity of Mem0's entity store, with its stored payload, as the exporter makes one. */
    static EmbeddedMemoryEvent entity(String id, String data, String payload, long version, float... vector) {
        EmbeddedMemoryEvent upsert = withPayload(upsert(id, data, version, vector), payload);
        MemoryEvent memory = MemoryEvent.newBuilder(upsert.getMemory()).setKind(Kind.ENTITY).setHash(null)
                .setMetadata(null).setCreatedAt(null).setCreatedAtTs(null).build();
        return EmbeddedMemoryEvent.newBuilder(upsert).setMemory(memory).build();
    }

    static EmbeddedMemoryEvent delete(String id, long version) {
        MemoryEvent memory = MemoryEvent.newBuilder().setOp(Op.DELETE).setId(id).setVersion(version)
                .setSource(SourceRef.newBuilder().setSystem("test").setName("t").build()).build();
        return EmbeddedMemoryEvent.newBuilder().setMemory(memory).setEmbedding(null).setModel(MODEL)
                .setEmbeddedAt(Instant.now()).build();
    }

    static void publish(StackEndpoints stack, String topic, List<EmbeddedMemoryEvent> events) throws Exception {
        KafkaClients kafka = new KafkaClients(KafkaSettings.of(stack.bootstrapServers()));
        try (Admin client = kafka.admin()) {
            Topics.ensureExists(client, new Topics.TopicSpec(topic, 2, Map.of()));
        }
        SchemaRegistryClient registry = new SchemaRegistryClient(stack.schemaRegistryUrl());
        try (KafkaProducer<String, EmbeddedMemoryEvent> producer = Topics.embedded(topic, registry)
                .producer(kafka.producerConfig())) {
            List<Future<RecordMetadata>> sends = new ArrayList<>();
            for (EmbeddedMemoryEvent event : events) {
                sends.add(producer.send(new ProducerRecord<>(topic, event.getMemory().getId(), event)));
            }
            for (Future<RecordMetadata> send : sends) {
                send.get();
            }
        }
    }

    /** An importer of memshift-layout documents (tests of memshift's own fields and tombstones). */
    static ImporterConfig config(StackEndpoints stack, String topic, String index) {
        return config(stack, topic, index, DocumentLayout.MEMSHIFT);
    }

    static ImporterConfig config(StackEndpoints stack, String topic, String index, DocumentLayout layout) {
        return new ImporterConfig(KafkaSettings.of(stack.bootstrapServers()), stack.schemaRegistryUrl(),
                stack.elasticsearchUrl(), topic, index, layout, IndexMapping.forDims(4), 50, 10, 1_000_000, 2);
    }
}
