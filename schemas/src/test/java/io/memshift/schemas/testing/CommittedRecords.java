package io.memshift.schemas.testing;

import io.memshift.clients.KafkaClients;
import io.memshift.clients.KafkaSettings;
import io.memshift.schemas.Topic;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * What a read_committed consumer sees of a topic, from its beginning to the end it has when the read starts: the
 * records of committed transactions only, so a test sees what the next stage would see. Test support, shared by
 * the modules' tests through the schemas test-jar.
 */
public final class CommittedRecords {

    /** A read that has not reached the end by then fails, naming the topic, instead of hanging the build. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(120);

    private CommittedRecords() {
    }

    /** Every committed record of {@code topic}, partition by partition, each in offset order. */
    public static <K, V> List<ConsumerRecord<K, V>> readToEnd(String bootstrapServers, Topic<K, V> topic) {
        return readToEnd(bootstrapServers, topic.name(), topic.keySerde().deserializer(),
                topic.valueSerde().deserializer());
    }

    /**
     * Every committed record of {@code topic}; none if the topic does not exist (it is not created by asking).
     *
     * @throws AssertionError if the end is not reached within {@link #DEFAULT_TIMEOUT}
     */
    public static <K, V> List<ConsumerRecord<K, V>> readToEnd(String bootstrapServers, String topic,
                                                              Deserializer<K> keys, Deserializer<V> values) {
        Properties props = new KafkaClients(KafkaSettings.of(bootstrapServers)).committedReaderConfig();
        props.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
        List<ConsumerRecord<K, V>> records = new ArrayList<>();
        try (KafkaConsumer<K, V> consumer = new KafkaConsumer<>(props, keys, values)) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            if (partitions.isEmpty()) {
                return records;
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            // For a read_committed consumer the end is the last stable offset: no open transaction is waited for.
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + DEFAULT_TIMEOUT.toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("could not read topic " + topic + " to its end within "
                            + DEFAULT_TIMEOUT.toSeconds() + " s: at " + partitions.stream()
                            .map(p -> p.partition() + "=" + consumer.position(p) + "/" + end.get(p))
                            .collect(Collectors.joining(", ")));
                }
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
        }
        return records;
    }
}
