package io.memshift.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.memshift.clients.HttpAuth;
import io.memshift.clients.KafkaSettings;
import io.memshift.clients.TopicSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which clusters a command uses: a flag's address over the config file's, the file over the embedded stack. */
@Tag("fast")
class ClusterConfigTest {

    private static final Clusters EMBEDDED = new Clusters(KafkaSettings.of("127.0.0.1:9092"),
            "http://127.0.0.1:8081/apis/ccompat/v7", "http://127.0.0.1:9200");

    @TempDir
    Path dir;

    @Test
    void aFlagMovesTheAddressAndKeepsTheFilesCredentials() {
        ConfigFile file = parse("""
                kafka:
                  bootstrap-servers: prod:9093
                  sasl: {mechanism: SCRAM-SHA-512, username: memshift, password: env:PW}
                  topics: {replication-factor: 3}
                elasticsearch:
                  url: https://es.prod:9200
                  api-key: env:PW
                """);
        AtomicInteger asked = new AtomicInteger();

        Clusters clusters = ClusterConfig.resolve(file, new ClusterConfig.Overrides("staging:9093", null, null, null),
                () -> {
                    asked.incrementAndGet();
                    return EMBEDDED;
                });

        assertThat(clusters.kafka().bootstrapServers()).isEqualTo("staging:9093");
        assertThat(clusters.kafka().clientProperties()).containsEntry("sasl.mechanism", "SCRAM-SHA-512");
        assertThat(clusters.kafka().topics()).isEqualTo(new TopicSettings(3, (short) 3, null));
        assertThat(clusters.elasticsearch().auth()).isInstanceOf(HttpAuth.ApiKey.class);
        assertThat(clusters.schemaRegistry()).as("the registry the file left out").isEqualTo(EMBEDDED.schemaRegistry());
        assertThat(asked).hasValue(1);
    }

    @Test
    void whenEveryClusterIsNamedTheEmbeddedStackIsNotAskedFor() {
        ConfigFile file = parse("""
                kafka: {bootstrap-servers: "b:9092"}
                schema-registry: {url: "https://sr"}
                elasticsearch: {url: "https://es:9200"}
                """);

        Clusters clusters = ClusterConfig.resolve(file, ClusterConfig.Overrides.NONE, () -> {
            throw new AssertionError("the embedded stack was asked for");
        });

        assertThat(clusters.schemaRegistry().url()).isEqualTo("https://sr");
    }

    @Test
    void aKafkaPropertiesFileReachesEveryClientOverTheConfigFile() throws Exception {
        Path properties = Files.writeString(dir.resolve("client.properties"),
                "bootstrap.servers=from-file:9092\nsecurity.protocol=SSL\nclient.dns.lookup=use_all_dns_ips\n");

        Clusters clusters = ClusterConfig.resolve(ConfigFile.none(),
                new ClusterConfig.Overrides(null, "http://sr", "http://es:9200", properties), () -> EMBEDDED);

        assertThat(clusters.kafka().bootstrapServers()).isEqualTo("from-file:9092");
        assertThat(clusters.kafka().clientProperties()).containsEntry("security.protocol", "SSL")
                .containsEntry("client.dns.lookup", "use_all_dns_ips").doesNotContainKey("bootstrap.servers");
    }

    @Test
    void anIdMemshiftOwnsIsRefusedNamingTheFile() throws Exception {
        Path properties = Files.writeString(dir.resolve("client.properties"), "group.id=mine\n");

        assertThatThrownBy(() -> ClusterConfig.resolve(ConfigFile.none(),
                new ClusterConfig.Overrides("b:9092", "http://sr", "http://es:9200", properties), () -> EMBEDDED))
                .isInstanceOf(InvalidRequestException.class).hasMessageContaining("'group.id'");
    }

    private ConfigFile parse(String yaml) {
        return ConfigFile.parse(dir.resolve("memshift.yaml"), yaml, Map.of("PW", "pw")::get);
    }
}
