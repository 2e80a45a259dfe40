package io.memshift.control;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.memshift.clients.KafkaClients;
import io.memshift.schemas.Json;
import io.memshift.schemas.Pipeline;
import io.memshift.clients.TopicSettings;
import io.memshift.schemas.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * What memshift knows of each pipeline, kept in the compacted topic {@value Topics#PIPELINES} (one record per
 * pipeline, keyed by its name), so that every command on any machine sees the same: which stores feed it and the
 * settings its topics were created with.
 */
public final class PipelineRegistry {

    /**
     * One pipeline as recorded.
     *
     * @param sources each store exported into it, as {@code <kind>:<identity>} (a path, a URL)
     * @param topics  the partitions, replication factor and min.insync.replicas its topics were created with
     */
    public record Entry(Pipeline pipeline, List<String> sources, TopicSettings topics) {

        public Entry {
            sources = List.copyOf(sources);
        }

        /** This entry with one more source (the same entry if it has it). */
        public Entry withSource(String source) {
            if (sources.contains(source)) {
                return this;
            }
            List<String> more = new ArrayList<>(sources);
            more.add(source);
            return new Entry(pipeline, more, topics);
        }

        String toJson() {
            ObjectNode json = Json.MAPPER.createObjectNode();
            json.put("name", pipeline.name());
            json.put("log", pipeline.log());
            ArrayNode list = json.putArray("sources");
            sources.forEach(list::add);
            json.put("partitions", topics.partitions());
            topics.replication().ifPresent(rf -> json.put("replication_factor", rf));
            if (topics.minInsyncReplicas() != null) {
                json.put("min_insync_replicas", topics.minInsyncReplicas());
            }
            return json.toString();
        }

        static Entry fromJson(String json) {
            try {
                JsonNode node = Json.MAPPER.readTree(json);
                List<String> sources = new ArrayList<>();
                node.path("sources").forEach(s -> sources.add(s.asText()));
                JsonNode rf = node.get("replication_factor");
                JsonNode minIsr = node.get("min_insync_replicas");
                return new Entry(new Pipeline(node.get("name").asText(), node.get("log").asText()), sources,
                        new TopicSettings(node.path("partitions").asInt(Topics.DEFAULT_PARTITIONS),
                                rf == null || rf.isNull() ? null : (short) rf.asInt(),
                                minIsr == null || minIsr.isNull() ? null : minIsr.asInt()));
            } catch (JsonProcessingException | RuntimeException e) {
                throw new IllegalStateException("topic " + Topics.PIPELINES + " holds a record that is not a"
                        + " pipeline: " + json, e);
            }
        }
    }

    private final KafkaClients kafka;

    public PipelineRegistry(KafkaClients kafka) {
        this.kafka = kafka;
    }

    /** Every recorded pipeline, by name. */
    public Map<String, Entry> read() {
        Map<String, Entry> entries = new TreeMap<>();
        Properties props = kafka.consumerConfig();
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props, new StringDeserializer(),
                new ByteArrayDeserializer())) {
            // Empty while no pipeline was ever recorded: the topic does not exist yet.
            List<TopicPartition> partitions = consumer.partitionsFor(Topics.PIPELINES, Duration.ofSeconds(30))
                    .stream().map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            if (partitions.isEmpty()) {
                return entries;
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    if (record.value() == null) {
                        entries.remove(record.key());
                    } else {
                        entries.put(record.key(), Entry.fromJson(new String(record.value(), StandardCharsets.UTF_8)));
                    }
                }
            }
        } catch (org.apache.kafka.common.errors.TimeoutException e) {
            throw new MigrationFailedException("cannot read topic " + Topics.PIPELINES + ": " + e.getMessage(), e);
        }
        return entries;
    }

    public Optional<Entry> get(String name) {
        return Optional.ofNullable(read().get(name));
    }

    /**
     * Forgets the pipeline {@code name} (a tombstone: compaction drops what was recorded of it); for what made a
     * pipeline only to delete it again, the benches. Its topics are the caller's to delete.
     */
    public void forget(String name) {
        if (read().get(name) == null) {
            return;
        }
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(kafka.idempotentProducerConfig(),
                new StringSerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(Topics.PIPELINES, name, null)).get(30, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new MigrationFailedException("cannot forget pipeline " + name + " in topic " + Topics.PIPELINES
                    + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MigrationFailedException("interrupted while forgetting pipeline " + name);
        }
    }

    /** Records {@code entry}, replacing what was recorded of its pipeline; returns once the broker has it. */
    public void write(Entry entry) {
        try (Admin admin = kafka.admin()) {
            Topics.ensureExists(admin, Topics.pipelinesTopic());
        }
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(kafka.idempotentProducerConfig(),
                new StringSerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(Topics.PIPELINES, entry.pipeline().name(),
                    entry.toJson().getBytes(StandardCharsets.UTF_8))).get(30, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new MigrationFailedException("cannot record pipeline " + entry.pipeline().name() + " in topic "
                    + Topics.PIPELINES + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MigrationFailedException("interrupted while recording pipeline " + entry.pipeline().name());
        }
    }
}
