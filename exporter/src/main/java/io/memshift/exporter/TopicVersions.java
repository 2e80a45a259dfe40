package io.memshift.exporter;

import io.memshift.clients.KafkaClients;
import io.memshift.schemas.MemoryEvent;
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
 * The highest version of each memory already committed to a memories topic. A source without a stamp (the Mem0
 * API, Mem0's Elasticsearch store) cannot resume from a position, so the exporter asks this instead, and
 * publishes only what the topic does not hold yet at that version or a newer one: a re-run after a crash, or a
 * second run of an unchanged source, then publishes each memory once per version, not once per run.
 *
 * <p>It reads the topic whole ({@code read_committed}), once, before publishing, and keeps one entry per memory
 * id in memory (about 100 bytes each).
 */
final class TopicVersions {

    private TopicVersions() {
    }

    static Map<String, Long> read(KafkaClients kafka, SchemaRegistryClient registry, String topic) {
        Properties props = kafka.committedReaderConfig();
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
        Map<String, Long> versions = new HashMap<>();
        try (KafkaConsumer<String, MemoryEvent> consumer = new KafkaConsumer<>(props, Topics.keySerde().deserializer(),
                Topics.memoryEventSerde(registry).deserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                for (ConsumerRecord<String, MemoryEvent> record : consumer.poll(Duration.ofMillis(500))) {
                    if (record.value() != null) {
                        versions.merge(record.key(), record.value().getVersion(), Math::max);
                    }
                }
            }
        }
        return versions;
    }
}
