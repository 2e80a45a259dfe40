package io.memshift.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The in-memory registry keeps the rules of a real one that producers and consumers depend on. No server. */
@Tag("fast")
class InMemorySchemaRegistryTest {

    private static final Schema V1 = SchemaBuilder.record("Note").namespace("test").fields()
            .requiredString("id").endRecord();
    private static final Schema V2_WITH_DEFAULT = SchemaBuilder.record("Note").namespace("test").fields()
            .requiredString("id").name("tag").type().stringType().stringDefault("none").endRecord();
    private static final Schema V2_WITHOUT_DEFAULT = SchemaBuilder.record("Note").namespace("test").fields()
            .requiredString("id").requiredString("tag").endRecord();

    @Test
    void registeringIsIdempotentAndIdsAreGlobalAcrossSubjects() {
        InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
        int first = registry.register("a-value", V1);
        assertThat(registry.register("a-value", V1)).isEqualTo(first);
        assertThat(registry.register("b-value", V1)).as("same schema, other subject").isEqualTo(first);
        int second = registry.register("a-value", V2_WITH_DEFAULT);
        assertThat(second).isNotEqualTo(first);
        assertThat(registry.schemaById(first)).isEqualTo(V1);
        assertThat(registry.schemaById(second)).isEqualTo(V2_WITH_DEFAULT);
        assertThat(registry.versions("a-value")).containsExactly(V1, V2_WITH_DEFAULT);
        assertThat(registry.versions("b-value")).containsExactly(V1);
    }

    @Test
    void aSchemaThatCannotReadTheSubjectsLatestIsRefusedNamingTheSubject() {
        InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
        registry.register("notes-value", V1);
        assertThatThrownBy(() -> registry.register("notes-value", V2_WITHOUT_DEFAULT))
                .isInstanceOf(SchemaRegistryException.class)
                .hasMessageContaining("notes-value").hasMessageContaining("BACKWARD");
        assertThat(registry.versions("notes-value")).containsExactly(V1);
        // Another subject has no history: the same schema is welcome there.
        assertThat(registry.register("other-value", V2_WITHOUT_DEFAULT)).isPositive();
    }

    @Test
    void anUnknownIdIsAnErrorNamingIt() {
        assertThatThrownBy(() -> new InMemorySchemaRegistry().schemaById(4242))
                .isInstanceOf(SchemaRegistryException.class).hasMessageContaining("4242");
    }

    @Test
    void eventsRoundTripInTheWireFormatThroughTheTopicsSerdes() {
        InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
        Topic<String, MemoryEvent> memories = Topics.memories(registry);
        MemoryEvent event = SampleEvents.upsert("m-1", "User prefers Python — and 日本語 too");

        byte[] bytes = memories.valueSerde().serializer().serialize(memories.name(), event);

        assertThat(bytes[0]).as("magic byte").isZero();
        int id = ByteBuffer.wrap(bytes, 1, 4).getInt();
        assertThat(registry.schemaById(id)).isEqualTo(MemoryEvent.getClassSchema());
        assertThat(registry.versions("memories-value")).containsExactly(MemoryEvent.getClassSchema());
        assertThat(memories.valueSerde().deserializer().deserialize(memories.name(), bytes)).isEqualTo(event);

        Topic<String, EmbeddedMemoryEvent> embedded = Topics.embedded(Topics.embeddedTopicName("onnx:x"), registry);
        EmbeddedMemoryEvent out = EmbeddedMemoryEvent.newBuilder().setMemory(event).setEmbedding(List.of(0.5f, -2f))
                .setModel(ModelFingerprint.newBuilder().setProvider("onnx").setName("x").setRevision(null).setDims(2)
                        .setPrefix(null).build())
                .setEmbeddedAt(Instant.parse("2024-01-01T00:00:00.123Z")).build();
        byte[] outBytes = embedded.valueSerde().serializer().serialize(embedded.name(), out);
        assertThat(embedded.valueSerde().deserializer().deserialize(embedded.name(), outBytes)).isEqualTo(out);
        assertThat(registry.versions("memories.embedded.onnx-x-value")).containsExactly(EmbeddedMemoryEvent.getClassSchema());
    }

    @Test
    void bytesWrittenWithAnUnknownIdAreRefused() {
        Topic<String, MemoryEvent> memories = Topics.memories(new InMemorySchemaRegistry());
        byte[] bytes = ByteBuffer.allocate(6).put((byte) 0).putInt(777).put((byte) 0).array();
        assertThatThrownBy(() -> memories.valueSerde().deserializer().deserialize("memories", bytes))
                .isInstanceOf(SchemaRegistryException.class).hasMessageContaining("777");
    }
}
