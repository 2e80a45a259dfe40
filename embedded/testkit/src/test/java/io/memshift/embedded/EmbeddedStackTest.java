package io.memshift.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Each server of the stack answers as what it is, asked in its own protocol. */
@ExtendWith(EmbeddedStackExtension.class)
class EmbeddedStackTest {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CONFLUENT_JSON = "application/vnd.schemaregistry.v1+json";

    @Test
    void theStackReportsEveryServerUp(EmbeddedStack stack) {
        assertThat(stack.isHealthy()).isTrue();
        assertThat(stack.statusLines()).hasSize(3).allSatisfy(line -> assertThat(line).contains(" UP "));
    }

    @Test
    void theKafkaBrokerAnswersAsAOneNodeCluster(StackEndpoints endpoints) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, endpoints.bootstrapServers()))) {
            DescribeClusterResult cluster = admin.describeCluster();
            assertThat(cluster.clusterId().get(30, TimeUnit.SECONDS)).isNotBlank();
            assertThat(cluster.nodes().get(30, TimeUnit.SECONDS)).hasSize(1);
        }
    }

    @Test
    void theSchemaRegistryRegistersAndReturnsASchemaThroughTheConfluentApi(StackEndpoints endpoints) throws Exception {
        String subject = "embedded-stack-test-" + System.nanoTime() + "-value";
        String schema = "{\"type\":\"record\",\"name\":\"Probe\",\"namespace\":\"io.memshift.test\","
                + "\"fields\":[{\"name\":\"id\",\"type\":\"string\"}]}";
        String registry = endpoints.schemaRegistryUrl();

        HttpResponse<String> registered = HTTP.send(HttpRequest.newBuilder(URI.create(registry + "/subjects/" + subject + "/versions"))
                .header("Content-Type", CONFLUENT_JSON)
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(Map.of("schema", schema))))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(registered.statusCode()).as(registered.body()).isEqualTo(200);
        int id = JSON.readTree(registered.body()).path("id").asInt(-1);
        assertThat(id).as(registered.body()).isPositive();

        JsonNode latest = getJson(registry + "/subjects/" + subject + "/versions/latest");
        assertThat(latest.path("subject").asText()).isEqualTo(subject);
        assertThat(latest.path("id").asInt()).isEqualTo(id);
        assertThat(JSON.readTree(latest.path("schema").asText())).isEqualTo(JSON.readTree(schema));

        JsonNode byId = getJson(registry + "/schemas/ids/" + id);
        assertThat(JSON.readTree(byId.path("schema").asText())).isEqualTo(JSON.readTree(schema));

        List<String> subjects = new ArrayList<>();
        getJson(registry + "/subjects").forEach(name -> subjects.add(name.asText()));
        assertThat(subjects).contains(subject);
    }

    @Test
    void elasticsearchReportsAUsableOneNodeCluster(StackEndpoints endpoints) throws Exception {
        JsonNode health = getJson(endpoints.elasticsearchUrl() + "/_cluster/health");
        assertThat(health.path("number_of_nodes").asInt()).isEqualTo(1);
        // A single node without replicas is green; yellow is usable too (replicas that have nowhere to go).
        assertThat(health.path("status").asText()).isIn("green", "yellow");
    }

    @Test
    void theRunningStackIsRecordedSoOtherCommandsFindIt(EmbeddedStack stack) {
        assertThat(EmbeddedStack.findRunning(stack.dataDir()))
                .hasValueSatisfying(found -> assertThat(found.ports()).isEqualTo(stack.ports()));
    }

    @Test
    void aSecondStackOnTakenPortsFailsNamingThePort() throws Exception {
        StackPorts free = StackPorts.free();
        try (ServerSocket taken = new ServerSocket(free.schemaRegistry(), 1, InetAddress.getLoopbackAddress())) {
            Path dataDir = Files.createTempDirectory("memshift-taken-");
            assertThatThrownBy(() -> EmbeddedStack.start(StackLayout.fromSystemProperty(), dataDir, free, false, l -> { }))
                    .isInstanceOf(StackException.class)
                    .hasMessageContaining("port " + free.schemaRegistry())
                    .hasMessageContaining("schema registry");
            assertThat(EmbeddedStack.recorded(dataDir)).isEmpty();
        }
    }

    private static JsonNode getJson(String url) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
                .header("Accept", "application/json").GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("GET %s: %s", url, response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }
}
