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
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * What a read_committed consumer sees of a topic, from its beginning to the end it has when the read starts: the
 * records of committed transactions only, so a test sees what the next stage would see. Test support, shared by
 * the modules' tests through the schemas test-jar.
 */
public final class CommittedRecords {

    /** A read that has not reached the end by then fails, naming the topic, instead of hanging the build. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(120);
    /** How long a stable end behind the high watermark is taken for markers on their way, not an open transaction. */
    private static final Duration MARKER_GRACE = Duration.ofSeconds(15);

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
            Map<TopicPartition, Long> end = stableEnd(consumer, partitions, bootstrapServers);
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

    /**
     * The end to read to: the last stable offset. A producer's {@code commitTransaction()} returns once the
     * coordinator has logged the commit, but the markers reach the partitions a moment later, and until then the
     * last stable offset stays before the committed records; a read started at once would see none of them. So
     * this waits (up to {@link #MARKER_GRACE}) until the stable end equals the high watermark; past that, a
     * transaction is really open (a killed producer's, say), and the stable end is what a reader sees.
     */
    private static Map<TopicPartition, Long> stableEnd(KafkaConsumer<?, ?> committed, List<TopicPartition> partitions,
                                                       String bootstrapServers) {
        Properties props = new KafkaClients(KafkaSettings.of(bootstrapServers)).consumerConfig();
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        try (KafkaConsumer<byte[], byte[]> uncommitted = new KafkaConsumer<>(props,
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            Map<TopicPartition, Long> highWatermark = uncommitted.endOffsets(partitions);
            long deadline = System.nanoTime() + MARKER_GRACE.toNanos();
            while (true) {
                Map<TopicPartition, Long> stable = committed.endOffsets(partitions);
                if (stable.equals(highWatermark) || System.nanoTime() > deadline) {
                    return stable;
                }
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return stable;
                }
            }
        }
    }
}
