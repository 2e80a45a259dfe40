package io.memshift.importer;

import io.memshift.clients.KafkaClients;
import io.memshift.schemas.EmbeddedMemoryEvent;
import io.memshift.schemas.Headers;
import io.memshift.schemas.SchemaRegistryClient;
import io.memshift.schemas.Topics;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * Puts memories Elasticsearch refused for good on {@code memories.import-dlq.<index>}, unchanged, with why in
 * the headers ({@link Headers#ERROR_STATUS}, {@link Headers#ERROR_REASON}, {@link Headers#INDEX}). Sends are
 * acknowledged before returning, so a refused memory is on the topic before its offset commits.
 */
final class DeadLetterPublisher implements AutoCloseable {

    private final KafkaClients kafka;
    private final SchemaRegistryClient registry;
    private final String index;
    private final String topic;
    private KafkaProducer<String, EmbeddedMemoryEvent> producer;

    DeadLetterPublisher(KafkaClients kafka, SchemaRegistryClient registry, String index) {
        this.kafka = kafka;
        this.registry = registry;
        this.index = index;
        this.topic = Topics.importDlqTopicName(index);
    }

    void publish(List<RejectedItem> rejected) {
        if (rejected.isEmpty()) {
            return;
        }
        List<Future<RecordMetadata>> sends = new ArrayList<>();
        for (RejectedItem item : rejected) {
            ProducerRecord<String, EmbeddedMemoryEvent> record =
                    new ProducerRecord<>(topic, item.event().getMemory().getId(), item.event());
            Headers.add(record.headers(), Headers.ERROR_STATUS, Integer.toString(item.status()));
            Headers.add(record.headers(), Headers.ERROR_REASON, item.reason());
            Headers.add(record.headers(), Headers.INDEX, index);
            sends.add(producer().send(record));
        }
        for (Future<RecordMetadata> send : sends) {
            try {
                send.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ImportException("interrupted while writing to " + topic, e);
            } catch (ExecutionException e) {
                throw new ImportException("cannot write refused memories to " + topic + ": " + e.getCause().getMessage(), e);
            }
        }
    }

    private KafkaProducer<String, EmbeddedMemoryEvent> producer() {
        if (producer == null) {
            try (Admin client = kafka.admin()) {
                Topics.ensureExists(client, kafka.settings().topics(), Topics.importDlqTopic(index, 1));
            }
            producer = Topics.importDeadLetters(index, registry).producer(kafka.idempotentProducerConfig());
        }
        return producer;
    }

    @Override
    public void close() {
        if (producer != null) {
            producer.close();
        }
    }
}
