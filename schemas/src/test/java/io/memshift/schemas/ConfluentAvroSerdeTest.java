package io.memshift.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.memshift.embedded.EmbeddedStackExtension;
import io.memshift.embedded.StackEndpoints;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.List;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(EmbeddedStackExtension.class)
class ConfluentAvroSerdeTest {

    @Test
    void memoryEventRoundTripsThroughTheRealRegistry(StackEndpoints stack) {
        SchemaRegistryClient registry = new SchemaRegistryClient(stack.schemaRegistryUrl());
        MemoryEvent event = SampleEvents.upsert("m-1", "User prefers Python — and 日本語 too");
        var serde = Topics.memories(registry).valueSerde();

        byte[] bytes = serde.serializer().serialize(Topics.MEMORIES, event);
        MemoryEvent back = serde.deserializer().deserialize(Topics.MEMORIES, bytes);

        assertThat(back).isEqualTo(event);
        assertThat(back.getMetadata()).isEqualTo(event.getMetadata());
    }

    @Test
    void wireBytesAreMagicByteThenRegistryIdThenAvroBinary(StackEndpoints stack) throws Exception {
        SchemaRegistryClient registry = new SchemaRegistryClient(stack.schemaRegistryUrl());
        MemoryEvent event = SampleEvents.upsert("m-2", "User is vegetarian");
        String topic = "wire-check";

        byte[] bytes = new ConfluentAvroSerializer<>(registry, MemoryEvent.class).serialize(topic, event);

        // Ask the registry itself, with a fresh client (no cache), which id it holds for this schema.
        int registryId = new SchemaRegistryClient(stack.schemaRegistryUrl())
                .lookup(topic + "-value", MemoryEvent.getClassSchema());
        ByteArrayOutputStream avro = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(avro, null);
        new SpecificDatumWriter<>(MemoryEvent.class).write(event, encoder);
        encoder.flush();

        assertThat(bytes[0]).isEqualTo((byte) 0);
        assertThat(ByteBuffer.wrap(bytes, 1, 4).getInt()).isEqualTo(registryId).isPositive();
        assertThat(Arrays.copyOfRange(bytes, 5, bytes.length)).isEqualTo(avro.toByteArray());
        assertThat(new SchemaRegistryClient(stack.schemaRegistryUrl()).compatibility(topic + "-value"))
                .isEqualTo("BACKWARD");
    }

    @Test
    void embeddedEventRoundTripsWithItsVector(StackEndpoints stack) {
        SchemaRegistryClient registry = new SchemaRegistryClient(stack.schemaRegistryUrl());
        EmbeddedMemoryEvent event = EmbeddedMemoryEvent.newBuilder()
                .setMemory(SampleEvents.upsert("m-3", "Likes hiking"))
                .setEmbedding(List.of(0.25f, -1.5f, 3.0e-7f))
                .setModel(ModelFingerprint.newBuilder().setProvider("onnx").setName("bge-small-en-v15")
                        .setRevision(null).setDims(3).setPrefix(null).build())
                .setEmbeddedAt(Instant.now().truncatedTo(ChronoUnit.MICROS))
                .build();
        var serde = Topics.embedded("embedded", registry).valueSerde();
        String topic = Topics.embeddedTopicName("onnx:bge-small-en-v15");

        EmbeddedMemoryEvent back = serde.deserializer().deserialize(topic, serde.serializer().serialize(topic, event));

        assertThat(back).isEqualTo(event);
        assertThat(topic).isEqualTo("memories.embedded.onnx-bge-small-en-v15");
    }

    @Test
    void bytesNotInTheWireFormatAreRefusedWithTheTopicNamed(StackEndpoints stack) {
        var deserializer = new ConfluentAvroDeserializer<>(new SchemaRegistryClient(stack.schemaRegistryUrl()),
                MemoryEvent.class);
        assertThatThrownBy(() -> deserializer.deserialize("memories", new byte[] {1, 2, 3, 4, 5, 6}))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("memories").hasMessageContaining("magic byte");
    }

    @Test
    void anUnknownSchemaIdIsAClearError(StackEndpoints stack) {
        var deserializer = new ConfluentAvroDeserializer<>(new SchemaRegistryClient(stack.schemaRegistryUrl()),
                MemoryEvent.class);
        byte[] bytes = ByteBuffer.allocate(6).put((byte) 0).putInt(987654).put((byte) 0).array();
        assertThatThrownBy(() -> deserializer.deserialize("memories", bytes))
                .isInstanceOf(SchemaRegistryException.class)
                .hasMessageContaining("987654");
    }
}
