package io.memshift.schemas;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Reads the Confluent wire format with the writer's schema (fetched by id from the registry, cached) resolved
 * against this build's schema, so records written by an older or newer compatible producer still read. The reader
 * for each writer schema is built once: resolving two schemas is far costlier than decoding a record.
 */
public final class ConfluentAvroDeserializer<T extends SpecificRecord> implements Deserializer<T> {

    private final SchemaRegistry registry;
    private final SpecificData model;
    private final Schema readerSchema;
    private final Map<Integer, SpecificDatumReader<T>> readersById = new ConcurrentHashMap<>();

    public ConfluentAvroDeserializer(SchemaRegistry registry, Class<T> type) {
        this.registry = registry;
        this.model = SpecificData.getForClass(type);
        this.readerSchema = model.getSchema(type);
    }

    @Override
    public T deserialize(String topic, byte[] data) {
        if (data == null) {
            return null;
        }
        if (data.length < 5 || data[0] != ConfluentAvroSerializer.MAGIC_BYTE) {
            throw new SerializationException("record on topic " + topic + " is not in the Confluent wire format"
                    + " (expected magic byte 0 and a 4-byte schema id, got " + data.length + " bytes"
                    + (data.length > 0 ? " starting with " + data[0] : "") + ")");
        }
        int id = ByteBuffer.wrap(data, 1, 4).getInt();
        SpecificDatumReader<T> reader = readersById.computeIfAbsent(id,
                schemaId -> new SpecificDatumReader<>(registry.schemaById(schemaId), readerSchema, model));
        try {
            BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(data, 5, data.length - 5, null);
            return reader.read(null, decoder);
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("cannot decode a " + readerSchema.getName() + " (schema id " + id
                    + ") from topic " + topic + ": " + e.getMessage(), e);
        }
    }
}
