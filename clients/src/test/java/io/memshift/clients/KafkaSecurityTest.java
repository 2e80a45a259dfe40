package io.memshift.clients;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.config.types.Password;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A config file's SASL and TLS description becomes the Kafka client properties Kafka itself expects. */
@Tag("fast")
class KafkaSecurityTest {

    @TempDir
    Path dir;

    @Test
    void scramLogsInOverSaslSslUnlessToldOtherwise() {
        Map<String, String> props = new KafkaSecurity(null,
                KafkaSecurity.Sasl.login("scram-sha-512", "memshift", Secret.given("pw\"with\\quote", "env:P")), null)
                .clientProperties();

        assertThat(props).containsEntry("security.protocol", "SASL_SSL").containsEntry("sasl.mechanism", "SCRAM-SHA-512")
                .containsEntry("sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required"
                        + " username=\"memshift\" password=\"pw\\\"with\\\\quote\";");
    }

    @Test
    void plainOverSaslPlaintextWhenTheProtocolSaysSo() {
        Map<String, String> props = new KafkaSecurity("sasl_plaintext",
                KafkaSecurity.Sasl.login("PLAIN", "u", Secret.given("p", "env:P")), null).clientProperties();

        assertThat(props).containsEntry("security.protocol", "SASL_PLAINTEXT")
                .containsEntry("sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required"
                        + " username=\"u\" password=\"p\";");
        assertThatThrownBy(() -> new KafkaSecurity("SSL", KafkaSecurity.Sasl.login("PLAIN", "u", Secret.given("p", "x")), null))
                .hasMessageContaining("SASL_SSL");
    }

    @Test
    void oauthBearerFetchesTokensWithClientCredentialsFromAnAllowedEndpoint() {
        String endpoint = "https://login.example.com/oauth2/token";
        Map<String, String> props = new KafkaSecurity(null, KafkaSecurity.Sasl.oauth(endpoint, "memshift-app",
                Secret.given("cs", "env:CS"), "kafka"), null).clientProperties();

        assertThat(props).containsEntry("sasl.mechanism", "OAUTHBEARER")
                .containsEntry("sasl.oauthbearer.token.endpoint.url", endpoint)
                .containsEntry("sasl.login.callback.handler.class",
                        "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginCallbackHandler")
                .containsEntry("sasl.jaas.config", "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule"
                        + " required clientId=\"memshift-app\" clientSecret=\"cs\" scope=\"kafka\";");
        assertThat(System.getProperty(KafkaSecurity.ALLOWED_TOKEN_URLS)).contains(endpoint);
    }

    @Test
    void tlsTrustsAPemCaAndShowsAClientCertificateForMutualTls() throws Exception {
        Path ca = Files.writeString(dir.resolve("ca.pem"), "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
        Path cert = Files.writeString(dir.resolve("client.pem"), "CHAIN");
        Path key = Files.writeString(dir.resolve("client.key"), "KEY");
        Map<String, String> props = new KafkaSecurity(null, null, new KafkaSecurity.Tls(ca, null, null, cert, key,
                Secret.given("kp", "env:KP"), null, null)).clientProperties();

        assertThat(props).containsEntry("security.protocol", "SSL").containsEntry("ssl.truststore.type", "PEM")
                .containsEntry("ssl.truststore.location", ca.toString()).containsEntry("ssl.keystore.type", "PEM")
                .containsEntry("ssl.keystore.certificate.chain", "CHAIN").containsEntry("ssl.keystore.key", "KEY")
                .containsEntry("ssl.key.password", "kp");
    }

    @Test
    void kafkaTreatsEverySecretPropertyAsAPassword() {
        Map<String, String> props = new KafkaSecurity(null,
                KafkaSecurity.Sasl.login("PLAIN", "u", Secret.given("p", "env:P")), null).clientProperties();
        Properties config = new Properties();
        config.putAll(props);
        config.put("bootstrap.servers", "b:9092");

        // Kafka logs its configuration at start; a Password-typed value is logged as [hidden].
        Object jaas = new AdminClientConfig(config).values().get("sasl.jaas.config");
        assertThat(jaas).isInstanceOf(Password.class);
        assertThat(jaas.toString()).isEqualTo("[hidden]");
    }

    @Test
    void describeNamesTheLoginNotTheSecret() {
        KafkaSecurity security = new KafkaSecurity(null,
                KafkaSecurity.Sasl.login("SCRAM-SHA-256", "memshift", Secret.given("s3cr3t", "file:/run/kafka")),
                KafkaSecurity.Tls.trusting(Path.of("/etc/ca.pem")));

        assertThat(security.describe()).isEqualTo("SASL_SSL, SASL SCRAM-SHA-256 as memshift (password from"
                + " file:/run/kafka), trusting the CA in /etc/ca.pem");
        assertThat(security.toString()).doesNotContain("s3cr3t");
    }
}
