package io.memshift.clients;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Every client configuration carries the cluster's extra properties, and each kind keeps its own meaning. */
@Tag("fast")
class KafkaClientsTest {

    private static final String JAAS = "org.apache.kafka.common.security.plain.PlainLoginModule required"
            + " username=\"memshift\" password=\"s3cret-pw\";";
    private static final KafkaSettings SECURED = new KafkaSettings("broker-1:9093,broker-2:9093", Map.of(
            "security.protocol", "SASL_SSL", "sasl.mechanism", "PLAIN", "sasl.jaas.config", JAAS));
    private final KafkaClients kafka = new KafkaClients(SECURED);

    @Test
    void aPropertyGivenOnceReachesEveryKindOfClient() {
        for (Properties props : new Properties[] {kafka.adminConfig(), kafka.producerConfig(),
                kafka.idempotentProducerConfig(), kafka.transactionalProducerConfig("memshift-export-abc"),
                kafka.consumerConfig(), kafka.committedReaderConfig(),
                kafka.groupConsumerConfig("memshift-import-idx", "memshift-importer-idx"),
                kafka.streamsConfig("memshift-reembed-x", "memshift-reembed-x-1", Path.of("state"))}) {
            assertThat(props).containsEntry("bootstrap.servers", "broker-1:9093,broker-2:9093")
                    .containsEntry("security.protocol", "SASL_SSL").containsEntry("sasl.mechanism", "PLAIN")
                    .containsEntry("sasl.jaas.config", JAAS);
        }
    }

    @Test
    void kafkaAcceptsEachConfigurationAndSeesTheSecurityInIt() {
        AdminClientConfig admin = new AdminClientConfig(kafka.adminConfig());
        assertThat(admin.getString("security.protocol")).isEqualTo("SASL_SSL");

        ProducerConfig transactional = new ProducerConfig(serializers(kafka.transactionalProducerConfig("memshift-export-abc")));
        assertThat(transactional.getString(ProducerConfig.TRANSACTIONAL_ID_CONFIG)).isEqualTo("memshift-export-abc");
        assertThat(transactional.getString(ProducerConfig.ACKS_CONFIG)).isEqualTo("-1"); // "all"
        assertThat(transactional.getString("sasl.mechanism")).isEqualTo("PLAIN");

        ProducerConfig idempotent = new ProducerConfig(serializers(kafka.idempotentProducerConfig()));
        assertThat(idempotent.getBoolean(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG)).isTrue();

        ConsumerConfig group = new ConsumerConfig(deserializers(
                kafka.groupConsumerConfig("memshift-import-idx", "memshift-importer-idx")));
        assertThat(group.getString(ConsumerConfig.GROUP_ID_CONFIG)).isEqualTo("memshift-import-idx");
        assertThat(group.getString(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG)).isEqualTo("memshift-importer-idx");
        assertThat(group.getString(ConsumerConfig.ISOLATION_LEVEL_CONFIG)).isEqualTo("read_committed");
        assertThat(group.getBoolean(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG)).isFalse();
        assertThat(group.getString(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG)).isEqualTo("earliest");
        assertThat(group.getInt(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG)).isEqualTo(30_000);
        assertThat(group.getPassword("sasl.jaas.config").value()).isEqualTo(JAAS);

        ConsumerConfig reader = new ConsumerConfig(deserializers(kafka.committedReaderConfig()));
        assertThat(reader.getString(ConsumerConfig.ISOLATION_LEVEL_CONFIG)).isEqualTo("read_committed");
        assertThat(reader.getBoolean(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG)).isFalse();
        assertThat(reader.getString(ConsumerConfig.GROUP_ID_CONFIG)).isNull();
    }

    @Test
    void streamsHandsTheExtraPropertiesToEachOfItsClientsAndTheStaticMemberIdOnlyToTheMainConsumer() {
        StreamsConfig streams = new StreamsConfig(kafka.streamsConfig("memshift-reembed-onnx-x", "memshift-reembed-onnx-x-1",
                Path.of("state")));
        assertThat(streams.getString(StreamsConfig.APPLICATION_ID_CONFIG)).isEqualTo("memshift-reembed-onnx-x");
        assertThat(streams.getString(StreamsConfig.PROCESSING_GUARANTEE_CONFIG)).isEqualTo(StreamsConfig.EXACTLY_ONCE_V2);
        assertThat(streams.getString(StreamsConfig.STATE_DIR_CONFIG)).isEqualTo(Path.of("state").toAbsolutePath().toString());

        Map<String, Object> main = streams.getMainConsumerConfigs("memshift-reembed-onnx-x", "c", 1);
        Map<String, Object> restore = streams.getRestoreConsumerConfigs("c");
        Map<String, Object> global = streams.getGlobalConsumerConfigs("c");
        Map<String, Object> producer = streams.getProducerConfigs("c");
        Map<String, Object> admin = streams.getAdminConfigs("c");
        for (Map<String, Object> client : java.util.List.of(main, restore, global, producer, admin)) {
            assertThat(client).containsEntry("security.protocol", "SASL_SSL").containsEntry("sasl.mechanism", "PLAIN")
                    .containsEntry("sasl.jaas.config", JAAS).containsEntry("bootstrap.servers", "broker-1:9093,broker-2:9093");
        }
        // Streams suffixes the stream thread's number: stream thread 1 is the static member "<id>-1".
        assertThat(main).containsEntry(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, "memshift-reembed-onnx-x-1-1")
                .containsEntry(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 30_000)
                .containsEntry(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest")
                .containsEntry(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        assertThat(restore).doesNotContainKey(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        assertThat(global).doesNotContainKey(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
    }

    @Test
    void withoutExtraPropertiesAConfigurationIsExactlyWhatItsKindSets() {
        KafkaClients plain = new KafkaClients(KafkaSettings.of("localhost:9092"));
        assertThat(plain.adminConfig()).containsOnly(Map.entry("bootstrap.servers", "localhost:9092"));
        assertThat(plain.producerConfig()).containsOnly(Map.entry("bootstrap.servers", "localhost:9092"));
        assertThat(plain.consumerConfig()).containsOnly(Map.entry("bootstrap.servers", "localhost:9092"));
        assertThat(plain.idempotentProducerConfig()).containsOnly(Map.entry("bootstrap.servers", "localhost:9092"),
                Map.entry("enable.idempotence", true), Map.entry("acks", "all"));
        assertThat(plain.transactionalProducerConfig("t-1")).containsOnly(Map.entry("bootstrap.servers", "localhost:9092"),
                Map.entry("transactional.id", "t-1"), Map.entry("acks", "all"));
        assertThat(plain.committedReaderConfig()).containsOnly(Map.entry("bootstrap.servers", "localhost:9092"),
                Map.entry("isolation.level", "read_committed"), Map.entry("enable.auto.commit", false),
                Map.entry("fetch.max.wait.ms", KafkaClients.FETCH_MAX_WAIT_MS));
    }

    @Test
    void consumersFetchWithAShortWaitUnlessTheClusterPropertiesSetOne() {
        KafkaClients plain = new KafkaClients(KafkaSettings.of("localhost:9092"));
        assertThat(plain.groupConsumerConfig("g", "m")).containsEntry("fetch.max.wait.ms", KafkaClients.FETCH_MAX_WAIT_MS);
        StreamsConfig streams = new StreamsConfig(plain.streamsConfig("app", "app-1", Path.of("state")));
        assertThat(streams.getMainConsumerConfigs("app", "c", 1)).containsEntry("fetch.max.wait.ms", KafkaClients.FETCH_MAX_WAIT_MS);
        assertThat(streams.getRestoreConsumerConfigs("c")).containsEntry("fetch.max.wait.ms", KafkaClients.RESTORE_FETCH_MAX_WAIT_MS);

        for (String given : new String[] {"fetch.max.wait.ms", "consumer.fetch.max.wait.ms", "main.consumer.fetch.max.wait.ms"}) {
            KafkaClients tuned = new KafkaClients(KafkaSettings.of("localhost:9092").with(given, "700"));
            StreamsConfig tunedStreams = new StreamsConfig(tuned.streamsConfig("app", "app-1", Path.of("state")));
            assertThat(tunedStreams.getMainConsumerConfigs("app", "c", 1)).as(given).containsEntry("fetch.max.wait.ms", "700");
            if (given.equals("fetch.max.wait.ms")) {
                assertThat(tuned.groupConsumerConfig("g", "m")).containsEntry("fetch.max.wait.ms", "700");
                assertThat(tuned.committedReaderConfig()).containsEntry("fetch.max.wait.ms", "700");
            }
        }
    }

    @Test
    void settingsRefuseWhatEachStageOwnsEvenBehindAStreamsPrefix() {
        assertThatThrownBy(() -> KafkaSettings.of("localhost:9092").with("group.id", "mine"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'group.id'");
        assertThatThrownBy(() -> KafkaSettings.of("localhost:9092").with("producer.acks", "1"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'producer.acks'");
        assertThatThrownBy(() -> KafkaSettings.of("localhost:9092").with("main.consumer.isolation.level", "read_uncommitted"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> KafkaSettings.of(" ")).isInstanceOf(IllegalArgumentException.class);
        assertThat(KafkaSettings.of("localhost:9092").with("producer.linger.ms", "5").clientProperties())
                .containsEntry("producer.linger.ms", "5");
    }

    @Test
    void settingsNeverPrintAPropertyValue() {
        assertThat(SECURED.toString()).contains("broker-1:9093", "sasl.jaas.config", "security.protocol")
                .doesNotContain("s3cret-pw").doesNotContain("SASL_SSL");
    }

    private static Properties serializers(Properties props) {
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        return props;
    }

    private static Properties deserializers(Properties props) {
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        return props;
    }
}
