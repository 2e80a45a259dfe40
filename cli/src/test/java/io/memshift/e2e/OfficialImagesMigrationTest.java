package io.memshift.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.memshift.schemas.Pipeline;
import io.memshift.schemas.Topics;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.elasticsearch.ElasticsearchContainer;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * The sample migration against the official images of docker/compose.yml, plain variant: apache/kafka (KRaft),
 * Confluent Schema Registry and Elasticsearch as containers, memshift in this JVM through its command line, as
 * the other end-to-end tests run it against the embedded stack. Skipped where no Docker engine runs; where one
 * does: {@code mvn -B -pl cli -am verify -Dtest=OfficialImagesMigrationTest -Dsurefire.failIfNoSpecifiedTests=false}.
 */
@Testcontainers(disabledWithoutDocker = true)
class OfficialImagesMigrationTest {

    private static final String MODEL = "onnx:bge-small-en-v15";
    private static final String INDEX = "memories.mem0-export.onnx-bge-small-en-v15-1";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    /** The registry reaches the broker on this network; memshift, in this JVM, through the mapped ports. */
    private static final Network NETWORK = Network.newNetwork();

    @Container
    static final KafkaContainer KAFKA = new KafkaContainer(DockerImageName.parse(OfficialImages.KAFKA))
            .withNetwork(NETWORK)
            .withListener("kafka:19092")
            // As in the compose file and the embedded broker: memshift creates its topics itself.
            .withEnv("KAFKA_AUTO_CREATE_TOPICS_ENABLE", "false");

    @Container
    static final GenericContainer<?> REGISTRY = new GenericContainer<>(DockerImageName.parse(OfficialImages.SCHEMA_REGISTRY))
            .withNetwork(NETWORK)
            .withNetworkAliases("schema-registry")
            .withEnv("SCHEMA_REGISTRY_HOST_NAME", "schema-registry")
            .withEnv("SCHEMA_REGISTRY_LISTENERS", "http://0.0.0.0:8081")
            .withEnv("SCHEMA_REGISTRY_KAFKASTORE_BOOTSTRAP_SERVERS", "PLAINTEXT://kafka:19092")
            .withEnv("SCHEMA_REGISTRY_KAFKASTORE_TOPIC_REPLICATION_FACTOR", "1")
            .withExposedPorts(8081)
            .dependsOn(KAFKA)
            .waitingFor(Wait.forHttp("/subjects").forStatusCode(200).withStartupTimeout(Duration.ofMinutes(2)));

    @Container
    static final ElasticsearchContainer ELASTICSEARCH = new ElasticsearchContainer(DockerImageName.parse(OfficialImages.ELASTICSEARCH))
            .withEnv("xpack.security.enabled", "false")
            // Testcontainers gives the node 2 GB; the compose file's 1 GB is plenty for the sample.
            .withEnv("ES_JAVA_OPTS", "-Xms1g -Xmx1g")
            .withStartupTimeout(Duration.ofMinutes(3));

    @TempDir
    Path dataDir;

    @Test
    void sampleMigrationOnTheOfficialImagesIndexesEveryMemoryBehindTheAlias() throws Exception {
        Set<String> sample = new HashSet<>();
        JSON.readTree(Files.readString(Cli.sample())).get("results").forEach(memory -> sample.add(memory.get("id").asText()));
        assertThat(sample).as("memories of the sample export").hasSize(540);

        Cli.Result result = Cli.run("migrate", "--source", "mem0-json:" + Cli.sample(), "--model", MODEL,
                "--bootstrap-servers", KAFKA.getBootstrapServers(),
                "--schema-registry", registryUrl(),
                "--es", elasticsearchUrl(),
                "--data-dir", dataDir.toString());

        assertThat(result.exitCode()).as(result.out() + result.err()).isZero();
        assertThat(result.out()).contains("Migration summary").contains("failed        0");
        assertThat(fieldNames(get(elasticsearchUrl() + "/_alias/memories"))).containsExactly(INDEX);
        send(HttpRequest.newBuilder(URI.create(elasticsearchUrl() + "/" + INDEX + "/_refresh"))
                .POST(HttpRequest.BodyPublishers.noBody()).build());
        assertThat(get(elasticsearchUrl() + "/memories/_count").get("count").asLong()).isEqualTo(sample.size());
        assertThat(idsBehindTheAlias()).isEqualTo(sample);
        // The schemas went to Confluent's registry, under the subjects of the Confluent serializers' naming.
        assertThat(textValues(get(registryUrl() + "/subjects")))
                .contains("memories.mem0-export-value", Pipeline.named("mem0-export").embedded(MODEL, 1) + "-value");
    }

    private static String registryUrl() {
        return "http://" + REGISTRY.getHost() + ":" + REGISTRY.getMappedPort(8081);
    }

    private static String elasticsearchUrl() {
        return "http://" + ELASTICSEARCH.getHttpHostAddress();
    }

    private static Set<String> idsBehindTheAlias() throws Exception {
        JsonNode hits = send(HttpRequest.newBuilder(URI.create(elasticsearchUrl() + "/memories/_search"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"size\": 10000, \"_source\": false, \"query\": {\"match_all\": {}}}"))
                .build()).get("hits").get("hits");
        Set<String> ids = new HashSet<>();
        hits.forEach(hit -> ids.add(hit.get("_id").asText()));
        return ids;
    }

    private static JsonNode get(String url) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(url)).GET().build());
    }

    private static JsonNode send(HttpRequest request) throws Exception {
        HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(request.uri() + ": " + response.body()).isBetween(200, 299);
        return JSON.readTree(response.body());
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static List<String> textValues(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.forEach(value -> values.add(value.asText()));
        return values;
    }
}
