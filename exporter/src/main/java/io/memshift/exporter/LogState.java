package io.memshift.exporter;

import io.memshift.clients.KafkaClients;
import io.memshift.schemas.MemoryEvent;
import io.memshift.schemas.Pipeline;
import io.memshift.schemas.SchemaRegistryClient;
import io.memshift.schemas.Topics;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * What a pipeline's log holds: the newest event of each memory, as a {@link LogMemory}. The exporter reads it
 * before publishing, for two things. A source without a stamp (the Mem0 API, Mem0's Elasticsearch or Qdrant store)
 * cannot resume from a position, so the exporter publishes only what the log does not hold yet at that version or
 * a newer one: a re-run after a crash, or a second run of an unchanged store, publishes each memory once per
 * version. And a snapshot is reconciled against it ({@link Reconciliation}).
 *
 * <p>It reads the log whole ({@code read_committed}), once, and keeps one entry per memory id in memory (about 100
 * bytes each). It reads the pipeline's intake too: what was published there and the version gate has not put on
 * the log yet (the gate may not be running) is as good as on the log, since the gate forwards it unless the log
 * holds a newer version.
 */
final class LogState {

    private LogState() {
    }

    /** The newest state of each memory over the pipeline's log and intake. */
    static Map<String, LogMemory> read(KafkaClients kafka, SchemaRegistryClient registry, Pipeline pipeline) {
        Map<String, LogMemory> memories = new HashMap<>();
        read(kafka, registry, pipeline.log(), memories);
        read(kafka, registry, pipeline.intake(), memories);
        return memories;
    }

    /**
     * True if neither the pipeline's log nor its intake holds a record (or they do not exist yet): a first export,
     * which has nothing to reconcile and so need not keep the source's ids. Told from offsets alone.
     */
    static boolean holdsNothing(KafkaClients kafka, Pipeline pipeline) {
        Properties props = kafka.committedReaderConfig();
        props.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props,
                new org.apache.kafka.common.serialization.ByteArrayDeserializer(),
                new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
            for (String topic : List.of(pipeline.log(), pipeline.intake())) {
                List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                        .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
                Map<TopicPartition, Long> beginning = consumer.beginningOffsets(partitions);
                Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
                if (partitions.stream().anyMatch(p -> end.get(p) > beginning.get(p))) {
                    return false;
                }
            }
            return true;
        }
    }

    private static void read(KafkaClients kafka, SchemaRegistryClient registry, String log,
                             Map<String, LogMemory> memories) {
        Properties props = kafka.committedReaderConfig();
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
        props.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
        try (KafkaConsumer<String, MemoryEvent> consumer = Topics.memories(log, registry).consumer(props)) {
            List<TopicPartition> partitions = consumer.partitionsFor(log, Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                for (ConsumerRecord<String, MemoryEvent> record : consumer.poll(Duration.ofMillis(500))) {
                    MemoryEvent event = record.value();
                    if (event != null) {
                        LogMemory seen = memories.get(record.key());
                        if (seen == null || seen.version() < event.getVersion()) {
                            memories.put(record.key(), LogMemory.of(event));
                        }
                    }
                }
            }
        }
    }
}
