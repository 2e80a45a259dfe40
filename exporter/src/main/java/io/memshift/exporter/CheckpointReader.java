package io.memshift.exporter;

import io.memshift.clients.KafkaClients;
import io.memshift.schemas.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/** Reads the latest committed checkpoint of a source from the checkpoint topic (read_committed). */
final class CheckpointReader {

    private CheckpointReader() {
    }

    static Optional<ExportCheckpoint> latest(KafkaClients kafka, String sourceKey) {
        ExportCheckpoint latest = null;
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(kafka.committedReaderConfig(), new StringDeserializer(),
                new ByteArrayDeserializer())) {
            TopicPartition partition = new TopicPartition(Topics.EXPORT_CHECKPOINTS, 0);
            List<TopicPartition> partitions = List.of(partition);
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (consumer.position(partition) < end.get(partition)) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    if (sourceKey.equals(record.key())) {
                        latest = record.value() == null ? null
                                : ExportCheckpoint.fromJson(new String(record.value(), StandardCharsets.UTF_8));
                    }
                }
            }
        }
        return Optional.ofNullable(latest);
    }
}
