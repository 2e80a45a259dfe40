package io.memshift.exporter;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.memshift.clients.KafkaClients;
import io.memshift.clients.KafkaSettings;
import io.memshift.schemas.MemoryEvent;
import io.memshift.schemas.MemoryVersion;
import io.memshift.schemas.Op;
import io.memshift.schemas.Pipeline;
import io.memshift.schemas.SchemaRegistryClient;
import io.memshift.schemas.SourceRef;
import io.memshift.schemas.Topic;
import io.memshift.schemas.Topics;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * Publishes live changes to a pipeline, for apps that dual-write (their memory store and memshift) while a
 * migration runs, and for {@code memshift ingest}. Thread-safe; one instance per process is enough. Events go to
 * the pipeline's intake; its version gate, which every memshift process of the pipeline runs ({@code ingest},
 * {@code reembed}, {@code migrate}, {@code export}), forwards them to its log.
 *
 * <p>Each future completes only once the broker has acknowledged the event ({@code acks=all}, idempotent
 * producer), so a caller that waits on it knows the change is durable. Ordering against the bulk export needs
 * no coordination: every event carries a version derived from the memory's own {@code updated_at} (a delete,
 * from the moment of deletion, and it outranks an upsert of the same microsecond), and every stage downstream
 * keeps the highest version. An update published during an export therefore wins over the exported older copy,
 * whichever of the two reaches the topic first, and a deleted memory stays deleted.
 */
public final class MemoryEventPublisher implements AutoCloseable {

    /** The source system named in live events. */
    public static final String LIVE_SYSTEM = "live";

    private final KafkaProducer<String, MemoryEvent> producer;
    private final Topic<String, MemoryEvent> intake;
    private final String sourceName;
    private final MemoryEventConverter converter;

    /**
     * A publisher to the pipeline whose log is {@code topic} (see {@link Pipeline#ofLog}): {@code memories} is the
     * pipeline {@code memories}.
     *
     * @param sourceName names the writer in each event's source (e.g. the app, or {@code ingest})
     */
    public MemoryEventPublisher(KafkaSettings settings, SchemaRegistryClient registry, String topic, String sourceName) {
        this(settings, registry, Pipeline.ofLog(topic), sourceName);
    }

    /**
     * @param pipeline   the store's pipeline (e.g. {@code Pipeline.named("shop")}); its topics are created if absent
     * @param sourceName names the writer in each event's source (e.g. the app, or {@code ingest})
     */
    public MemoryEventPublisher(KafkaSettings settings, SchemaRegistryClient registry, Pipeline pipeline,
                                String sourceName) {
        KafkaClients kafka = new KafkaClients(settings);
        try (Admin client = kafka.admin()) {
            Topics.ensurePipeline(client, pipeline, settings.topics());
        }
        Properties props = kafka.idempotentProducerConfig();
        props.put(ProducerConfig.CLIENT_ID_CONFIG, "memshift-publisher-" + sourceName);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 2);
        props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        this.intake = Topics.memories(pipeline.intake(), registry);
        this.producer = intake.producer(props);
        this.sourceName = sourceName;
        this.converter = new MemoryEventConverter(LIVE_SYSTEM, sourceName, MemoryEventConverter.DEFAULT_MAX_TEXT_CHARS);
    }

    /** Publishes a ready event; completes with its offset once the broker acknowledged it. */
    public CompletableFuture<Long> publish(MemoryEvent event) {
        CompletableFuture<Long> acked = new CompletableFuture<>();
        producer.send(intake.record(event.getId(), event), (metadata, error) -> {
            if (error != null) {
                acked.completeExceptionally(error);
            } else {
                acked.complete(metadata.offset());
            }
        });
        return acked;
    }

    /**
     * Publishes a memory in Mem0's shape ({@code id, memory, hash, metadata, created_at, updated_at, user_id,
     * ...}), validated like an exported one. It needs {@code updated_at} or {@code created_at}: its version is
     * derived from them.
     *
     * @throws InvalidSourceException naming the field if the memory is not valid
     */
    public CompletableFuture<Long> upsert(ObjectNode mem0Memory, String position) {
        return publish(toEvent(mem0Memory, position));
    }

    /** The event {@link #upsert} would publish, or an exception naming what is wrong. */
    public MemoryEvent toEvent(ObjectNode mem0Memory, String position) {
        MemoryEventConverter.Result result = converter.convert(new SourceMemory(mem0Memory, position, null));
        if (!result.valid()) {
            throw new InvalidSourceException(position, result.problems(), 0);
        }
        MemoryEvent event = result.event();
        if (event.getUpdatedAtTs() == null && event.getCreatedAtTs() == null) {
            throw new InvalidSourceException(position, List.of(position + ": memory id=" + event.getId()
                    + ": a live change needs 'updated_at' or 'created_at' (or the TypeScript SDK's 'updatedAt' or"
                    + " 'createdAt') to order it against the export"), 0);
        }
        return event;
    }

    /** Publishes the deletion of a memory, versioned by when it was deleted. */
    public CompletableFuture<Long> delete(String id, Instant deletedAt) {
        return publish(deleteEvent(id, deletedAt, sourceName));
    }

    public static MemoryEvent deleteEvent(String id, Instant deletedAt, String sourceName) {
        return MemoryEvent.newBuilder().setOp(Op.DELETE).setId(id).setText(null).setMetadata(null)
                .setVersion(MemoryVersion.ofDelete(deletedAt)).setUpdatedAt(deletedAt.toString()).setUpdatedAtTs(deletedAt)
                .setSource(SourceRef.newBuilder().setSystem(LIVE_SYSTEM).setName(sourceName).build()).build();
    }

    public void flush() {
        producer.flush();
    }

    @Override
    public void close() {
        producer.close();
    }
}
