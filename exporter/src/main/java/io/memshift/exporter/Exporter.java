package io.memshift.exporter;

import io.memshift.schemas.MemoryEvent;
import io.memshift.schemas.SchemaRegistryClient;
import io.memshift.schemas.Topics;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * Publishes every memory of a Mem0 export file to the {@code memories} topic as an UPSERT keyed by memory id.
 *
 * <p>The file is read twice: once to validate every record (so a bad file publishes nothing at all), once to
 * publish. Both passes stream, so memory use does not grow with the file, except for the map of expected ids
 * and versions the summary returns. The producer is idempotent (acks=all), so broker retries never duplicate
 * or reorder a memory's events.
 */
public final class Exporter {

    private static final int MAX_REPORTED_PROBLEMS = 20;

    private final String bootstrapServers;
    private final SchemaRegistryClient registry;
    private final int partitions;

    public Exporter(String bootstrapServers, SchemaRegistryClient registry, int partitions) {
        this.bootstrapServers = bootstrapServers;
        this.registry = registry;
        this.partitions = partitions;
    }

    public ExportSummary export(Mem0ExportReader reader, MemoryEventConverter converter, ExportProgress progress) {
        Instant begin = Instant.now();
        long total = validate(reader, converter, progress);
        try (Admin admin = Admin.create(adminProps())) {
            Topics.ensureExists(admin, Topics.memoriesTopic(partitions));
        }
        Map<String, Long> expected = new HashMap<>();
        AtomicLong read = new AtomicLong();
        List<Future<RecordMetadata>> pending = new ArrayList<>();
        try (KafkaProducer<String, MemoryEvent> producer = new KafkaProducer<>(producerProps(),
                Topics.keySerde().serializer(), Topics.memoryEventSerde(registry).serializer())) {
            reader.forEach(source -> {
                MemoryEvent event = converter.convert(source).event();
                pending.add(producer.send(new ProducerRecord<>(Topics.MEMORIES, event.getId(), event)));
                expected.merge(event.getId(), event.getVersion(), Math::max);
                long done = read.incrementAndGet();
                if (pending.size() >= 10_000) {
                    awaitAll(pending);
                }
                progress.update("publish", done, total);
            });
            producer.flush();
            awaitAll(pending);
        }
        return new ExportSummary(read.get(), read.get(), Map.copyOf(expected), Duration.between(begin, Instant.now()));
    }

    /** Reads the whole source once; returns the number of memories, or throws naming every problem found. */
    private long validate(Mem0ExportReader reader, MemoryEventConverter converter, ExportProgress progress) {
        List<String> problems = new ArrayList<>();
        AtomicLong count = new AtomicLong();
        AtomicLong problemCount = new AtomicLong();
        reader.forEach(source -> {
            MemoryEventConverter.Result result = converter.convert(source);
            for (String problem : result.problems()) {
                if (problems.size() < MAX_REPORTED_PROBLEMS) {
                    problems.add(problem);
                }
                problemCount.incrementAndGet();
            }
            progress.update("validate", count.incrementAndGet(), -1);
        });
        if (!problems.isEmpty()) {
            throw new InvalidSourceException(reader.name(), problems, problemCount.get() - problems.size());
        }
        return count.get();
    }

    private static void awaitAll(List<Future<RecordMetadata>> pending) {
        for (Future<RecordMetadata> future : pending) {
            try {
                future.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while publishing", e);
            } catch (java.util.concurrent.ExecutionException e) {
                throw new IllegalStateException("the broker refused a memory: " + e.getCause().getMessage(), e.getCause());
            }
        }
        pending.clear();
    }

    private Properties adminProps() {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        return props;
    }

    private Properties producerProps() {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ProducerConfig.CLIENT_ID_CONFIG, "memshift-exporter");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        return props;
    }
}
