package io.memshift.e2e;

import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The first commit of a process a crash test is about to kill, seen from outside it: a measure of what it has
 * committed moves past the value it had before; a topic's {@link #committedEnd} grows as a transactional producer
 * commits, a consumer group's lag ({@link io.memshift.importer.ConsumerGroupLag}) drops as it commits offsets. A kill
 * just after it hits the process at work, whatever the machine's load.
 */
final class FirstCommit {

    private FirstCommit() {
    }

    /**
     * Waits until {@code committed} holds (the victim's measure has moved past its value before), checking every
     * {@code poll}; returns early if {@code victim} ends or at {@code deadlineMillis} ({@link
     * System#currentTimeMillis()}), the caller then deciding what a kill still means.
     */
    static void await(Process victim, long deadlineMillis, Duration poll, BooleanSupplier committed)
            throws InterruptedException {
        while (victim.isAlive() && System.currentTimeMillis() < deadlineMillis && !committed.getAsBoolean()) {
            Thread.sleep(poll.toMillis());
        }
    }

    /**
     * The sum of {@code topic}'s read_committed end offsets (its last stable offsets), 0 while it does not exist: it
     * grows as a producer's transactions commit.
     */
    static long committedEnd(String bootstrapServers, String topic) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "2000");
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(info -> new TopicPartition(topic, info.partition())).toList();
            return consumer.endOffsets(partitions).values().stream().mapToLong(Long::longValue).sum();
        } catch (KafkaException notYet) {
            return 0;
        }
    }
}
