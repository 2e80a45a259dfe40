package io.memshift.schemas;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Writes the Confluent wire format: byte 0x00, the schema's registry id as 4 bytes big-endian, then the Avro
 * binary encoding. The schema is registered under {@code <topic>-value} (TopicNameStrategy) on first use; its id is
 * then kept per topic, so a record costs its encoding only (the registry client's own cache is keyed by the
 * schema's JSON text, which would be rebuilt and compared for every record).
 */
public final class ConfluentAvroSerializer<T extends SpecificRecord> implements Serializer<T> {

    static final byte MAGIC_BYTE = 0x0;

    private final SchemaRegistry registry;
    private final SpecificDatumWriter<T> writer;
    private final org.apache.avro.Schema schema;
    private final Map<String, Integer> idsByTopic = new ConcurrentHashMap<>();
    /** An encoder per thread, reused record after record (it holds a buffer). */
    private static final ThreadLocal<BinaryEncoder> ENCODERS = new ThreadLocal<>();
    /** The last record's size: records of one type are alike, so the next buffer rarely has to grow. */
    private volatile int lastSize = 256;

    public ConfluentAvroSerializer(SchemaRegistry registry, Class<T> type) {
        this.registry = registry;
        SpecificData model = SpecificData.getForClass(type);
        this.schema = model.getSchema(type);
        this.writer = new SpecificDatumWriter<>(schema, model);
    }

    @Override
    public byte[] serialize(String topic, T record) {
        if (record == null) {
            return null;
        }
        Integer id = idsByTopic.get(topic);
        if (id == null) {
            id = registry.register(subjectOf(topic), schema);
            idsByTopic.put(topic, id);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(lastSize + 64);
        out.write(MAGIC_BYTE);
        out.writeBytes(ByteBuffer.allocate(4).putInt(id).array());
        try {
            // Buffered, not direct: a vector is hundreds of floats, and the direct encoder writes each of their
            // bytes to the (synchronized) stream one call at a time.
            BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, ENCODERS.get());
            ENCODERS.set(encoder);
            writer.write(record, encoder);
            encoder.flush();
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("cannot Avro-encode a " + schema.getName() + " for topic " + topic
                    + ": " + e.getMessage(), e);
        }
        lastSize = out.size();
        return out.toByteArray();
    }

    static String subjectOf(String topic) {
        return topic + "-value";
    }
}
