package io.memshift.schemas.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.memshift.clients.KafkaClients;
import io.memshift.clients.KafkaSettings;
import io.memshift.embedded.EmbeddedStackExtension;
import io.memshift.embedded.StackEndpoints;
import io.memshift.schemas.Topics;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The tests' shared reader sees what the next stage would: committed records only, every partition, to the end. */
@ExtendWith(EmbeddedStackExtension.class)
class CommittedRecordsTest {

    @Test
    void readsEveryCommittedRecordOfEveryPartitionAndNoAbortedOne(StackEndpoints stack) throws Exception {
        String topic = "committed-records-test";
        KafkaClients kafka = new KafkaClients(KafkaSettings.of(stack.bootstrapServers()));
        try (Admin client = kafka.admin()) {
            Topics.ensureExists(client, new Topics.TopicSpec(topic, 3, Map.of()));
        }
        Properties props = kafka.producerConfig();
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "committed-records-test");
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props, new StringSerializer(),
                new StringSerializer())) {
            producer.initTransactions();
            producer.beginTransaction();
            for (int i = 0; i < 30; i++) {
                producer.send(new ProducerRecord<>(topic, "kept-" + i, "v" + i));
            }
            producer.commitTransaction();
            producer.beginTransaction();
            for (int i = 0; i < 10; i++) {
                producer.send(new ProducerRecord<>(topic, "aborted-" + i, "v" + i));
            }
            producer.flush();
            producer.abortTransaction();
        }

        List<ConsumerRecord<String, String>> records = CommittedRecords.readToEnd(stack.bootstrapServers(), topic,
                new StringDeserializer(), new StringDeserializer());

        assertThat(records).hasSize(30).allSatisfy(r -> assertThat(r.key()).startsWith("kept-"));
        assertThat(records).extracting(ConsumerRecord::partition).containsOnly(0, 1, 2);
    }

    @Test
    void aTopicThatDoesNotExistReadsAsEmptyAndIsNotCreatedByTheRead(StackEndpoints stack) throws Exception {
        String topic = "committed-records-absent";
        assertThat(CommittedRecords.readToEnd(stack.bootstrapServers(), topic, new StringDeserializer(),
                new StringDeserializer())).isEmpty();
        KafkaClients kafka = new KafkaClients(KafkaSettings.of(stack.bootstrapServers()));
        try (Admin client = kafka.admin()) {
            assertThat(client.listTopics().names().get()).doesNotContain(topic);
        }
    }
}
