package io.memshift.exporter;

import io.memshift.clients.KafkaClients;
import io.memshift.clients.KafkaSettings;
import io.memshift.schemas.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * How far the export of one source to one topic got, as its last committed checkpoint says: what
 * {@code memshift status} shows per pipeline. The checkpoint's key names the source, the topic and the filters;
 * {@link #key} builds it (the exporter's transactional id is derived from it, so it never changes) and
 * {@link #parse} reads it back.
 *
 * @param source   {@code <kind>:<identity>}, e.g. {@code mem0-json:/data/export.json}
 * @param topic    the topic the source is exported to
 * @param filter   the export's filters as the key notes them ({@code [user=... agent=...]}), empty for none
 * @param position memories (in source order) published so far
 * @param total    memories in the source when the checkpoint was written
 * @param complete whether the whole source is published
 */
public record ExportPosition(String source, String topic, String filter, long position, long total, boolean complete) {

    private static final String ARROW = " -> ";
    private static final Pattern TOPIC_NAME = Pattern.compile("[a-zA-Z0-9._-]+");

    /** The checkpoint key of a source's export to {@code topic} with filters {@code filterKey} ("" for none). */
    static String key(String source, String topic, String filterKey) {
        return source + ARROW + topic + filterKey;
    }

    /** A checkpoint record read back; empty for a key {@link #key} does not build or a deleted checkpoint. */
    static Optional<ExportPosition> parse(String key, String json) {
        if (key == null || json == null) {
            return Optional.empty();
        }
        // A topic name has no spaces: the first arrow followed by one, then nothing or the filters, is the split.
        for (int at = key.indexOf(ARROW); at >= 0; at = key.indexOf(ARROW, at + 1)) {
            String rest = key.substring(at + ARROW.length());
            int space = rest.indexOf(' ');
            String topic = space < 0 ? rest : rest.substring(0, space);
            String filter = space < 0 ? "" : rest.substring(space).trim();
            if (TOPIC_NAME.matcher(topic).matches() && (filter.isEmpty() || filter.startsWith("[user="))) {
                ExportCheckpoint checkpoint = ExportCheckpoint.fromJson(json);
                return Optional.of(new ExportPosition(key.substring(0, at), topic, filter, checkpoint.position(),
                        checkpoint.total(), checkpoint.complete()));
            }
        }
        return Optional.empty();
    }

    /**
     * The latest committed checkpoint of every export, read whole from {@code memshift.export-checkpoints}
     * (compacted, one partition, one small record per export); empty if that topic does not exist.
     */
    public static List<ExportPosition> readAll(KafkaSettings kafka) {
        Map<String, ExportPosition> latest = new LinkedHashMap<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(new KafkaClients(kafka).committedReaderConfig(),
                new StringDeserializer(), new ByteArrayDeserializer())) {
            List<PartitionInfo> partitions = consumer.partitionsFor(Topics.EXPORT_CHECKPOINTS, Duration.ofSeconds(10));
            if (partitions == null || partitions.isEmpty()) {
                return List.of();
            }
            List<TopicPartition> assigned = new ArrayList<>();
            partitions.forEach(p -> assigned.add(new TopicPartition(p.topic(), p.partition())));
            consumer.assign(assigned);
            consumer.seekToBeginning(assigned);
            Map<TopicPartition, Long> end = consumer.endOffsets(assigned);
            long deadline = System.currentTimeMillis() + 30_000;
            while (assigned.stream().anyMatch(p -> consumer.position(p) < end.get(p))
                    && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    Optional<ExportPosition> position = record.value() == null ? Optional.empty()
                            : parse(record.key(), new String(record.value(), StandardCharsets.UTF_8));
                    if (position.isPresent()) {
                        latest.put(record.key(), position.get());
                    } else {
                        latest.remove(record.key());
                    }
                }
            }
        }
        return List.copyOf(latest.values());
    }

    /**
     * Deletes the checkpoints of every export to one of {@code topics} (a tombstone per key; the topic is
     * compacted): for pipelines removed for good, whose exports {@code status} would otherwise still list. The
     * exports' sources are untouched; a later export of one starts from the beginning.
     */
    public static void forgetTopics(KafkaSettings kafka, java.util.Collection<String> topics) {
        List<ExportPosition> gone = readAll(kafka).stream().filter(p -> topics.contains(p.topic())).toList();
        if (gone.isEmpty()) {
            return;
        }
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(new KafkaClients(kafka).idempotentProducerConfig(),
                new StringSerializer(), new ByteArraySerializer())) {
            for (ExportPosition position : gone) {
                String filterKey = position.filter().isEmpty() ? "" : " " + position.filter();
                producer.send(new ProducerRecord<>(Topics.EXPORT_CHECKPOINTS,
                        key(position.source(), position.topic(), filterKey), null));
            }
            producer.flush();
        }
    }
}
