package io.memshift.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.memshift.clients.HttpAuth;
import io.memshift.clients.TopicSettings;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The config file: every section read, secrets only by reference, and each problem named by file, line and field. */
@Tag("fast")
class ConfigFileTest {

    private static final Map<String, String> ENV = Map.of("KAFKA_SECRET", "k-s3cret", "SR_USER_INFO", "SRKEY:sr-s3cret");

    @TempDir
    Path dir;

    @Test
    void aConfluentCloudAndElasticCloudFileReadsWhole() throws Exception {
        Path esKey = Files.writeString(dir.resolve("es-api-key"), "ZXNrZXk=\n");
        String cloudId = "prod:" + Base64.getEncoder().encodeToString(
                "eu-west-1.aws.found.io$abc123$def456".getBytes(StandardCharsets.UTF_8));
        ConfigFile config = parse("""
                kafka:
                  bootstrap-servers: pkc-1.eu-west-1.aws.confluent.cloud:9092
                  sasl:
                    mechanism: PLAIN
                    username: APIKEY1
                    password: env:KAFKA_SECRET
                  properties:
                    client.dns.lookup: use_all_dns_ips
                  topics: {partitions: 6, replication-factor: 3, min-insync-replicas: 2}
                schema-registry:
                  url: https://psrc-1.eu-west-1.aws.confluent.cloud
                  basic-auth: env:SR_USER_INFO
                elasticsearch:
                  cloud-id: %s
                  api-key: file:%s
                defaults:
                  model: onnx:bge-small-en-v15
                  --alias: memories
                """.formatted(cloudId, esKey));

        assertThat(config.kafka().bootstrapServers()).isEqualTo("pkc-1.eu-west-1.aws.confluent.cloud:9092");
        assertThat(config.kafka().clientProperties()).containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("sasl.mechanism", "PLAIN").containsEntry("client.dns.lookup", "use_all_dns_ips");
        assertThat(config.kafka().clientProperties().get("sasl.jaas.config")).contains("password=\"k-s3cret\"");
        assertThat(config.kafka().topics()).isEqualTo(new TopicSettings(6, (short) 3, 2));
        assertThat(config.kafka().description()).doesNotContain("k-s3cret").contains("env:KAFKA_SECRET");
        assertThat(config.schemaRegistry().auth()).isInstanceOf(HttpAuth.Basic.class);
        assertThat(((HttpAuth.Basic) config.schemaRegistry().auth()).user()).isEqualTo("SRKEY");
        assertThat(config.elasticsearch().url()).isEqualTo("https://abc123.eu-west-1.aws.found.io:443");
        assertThat(config.elasticsearch().auth().authorizationHeader()).contains("ApiKey ZXNrZXk=");
        assertThat(config.defaults()).containsEntry("model", "onnx:bge-small-en-v15").containsEntry("alias", "memories");
    }

    @Test
    void aSecretWrittenInPlaceIsRefusedAtItsLineWithoutBeingRepeated() {
        assertThatThrownBy(() -> parse("""
                elasticsearch:
                  url: https://es:9200
                  username: elastic
                  password: changeme-now
                """))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageStartingWith(dir.resolve("memshift.yaml") + ":4: elasticsearch.password")
                .hasMessageContaining("env:NAME").hasMessageNotContaining("changeme-now");
        assertThatThrownBy(() -> parse("""
                kafka:
                  properties:
                    sasl.jaas.config: org.apache.kafka.common.security.plain.PlainLoginModule required password="x";
                """))
                .hasMessageContaining(":3: kafka.properties.sasl.jaas.config").hasMessageContaining("holds a secret");
    }

    @Test
    void anUnknownFieldIsNamedWithTheKnownOnes() {
        assertThatThrownBy(() -> parse("""
                kafka:
                  bootstrap_servers: b:9092
                """))
                .hasMessageContaining(":2: kafka.bootstrap_servers: is not a field of kafka")
                .hasMessageContaining("bootstrap-servers");
        assertThatThrownBy(() -> parse("elastic:\n  url: http://x\n")).hasMessageContaining(":1: elastic: is not a field");
    }

    @Test
    void anUnsetVariableIsNamed() {
        assertThatThrownBy(() -> parse("""
                schema-registry:
                  url: https://sr
                  bearer-token: env:NOT_SET_ANYWHERE
                """))
                .hasMessageContaining(":3: schema-registry.bearer-token").hasMessageContaining("NOT_SET_ANYWHERE");
    }

    @Test
    void filesAreFoundBesideTheConfigFile() throws Exception {
        Files.writeString(dir.resolve("ca.pem"), "pem");
        ConfigFile config = parse("""
                kafka:
                  bootstrap-servers: b:9093
                  tls: {ca-file: ca.pem}
                elasticsearch:
                  url: https://es:9200
                  tls: {ca-fingerprint: "AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99"}
                """);

        assertThat(config.kafka().clientProperties()).containsEntry("security.protocol", "SSL")
                .containsEntry("ssl.truststore.location", dir.resolve("ca.pem").toString());
        assertThat(config.elasticsearch().tls().caFingerprint()).startsWith("aabbccddeeff");
        assertThatThrownBy(() -> parse("kafka:\n  tls:\n    ca-file: absent.pem\n"))
                .hasMessageContaining(":3: kafka.tls.ca-file").hasMessageContaining("does not exist");
    }

    @Test
    void twoKindsOfCredentialsAreOneTooMany() {
        assertThatThrownBy(() -> parse("""
                elasticsearch:
                  url: https://es:9200
                  api-key: env:SR_USER_INFO
                  bearer-token: env:KAFKA_SECRET
                """)).hasMessageContaining("elasticsearch: has 2 kinds of credentials");
    }

    @Test
    void aKafkaPropertiesFileIsReadAsKafkaToolsReadIt() throws Exception {
        Path props = Files.writeString(dir.resolve("client.properties"), """
                bootstrap.servers=b1:9092
                security.protocol=SASL_SSL
                sasl.mechanism=SCRAM-SHA-256
                sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="u" password="p";
                """);
        ConfigFile config = parse("kafka:\n  properties-file: client.properties\n");

        assertThat(config.kafka().bootstrapServers()).isEqualTo("b1:9092");
        assertThat(config.kafka().clientProperties()).containsEntry("sasl.mechanism", "SCRAM-SHA-256")
                .doesNotContainKey("bootstrap.servers");
    }

    @Test
    void badYamlIsReportedAtItsLine() {
        assertThatThrownBy(() -> parse("kafka:\n  bootstrap-servers: [unclosed\n"))
                .hasMessageContaining("memshift.yaml:").hasMessageContaining("not valid YAML");
        assertThat(parse("").kafka()).isNull();
    }

    private ConfigFile parse(String yaml) {
        return ConfigFile.parse(dir.resolve("memshift.yaml"), yaml, ENV::get);
    }
}
