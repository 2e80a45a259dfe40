package io.memshift.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.PortBinding;
import com.github.dockerjava.api.model.Ports;
import io.memshift.embedded.StackSecurity;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.elasticsearch.ElasticsearchContainer;
import org.testcontainers.images.builder.Transferable;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.utility.DockerImageName;

/**
 * The sample migration against the official images, secured as production clusters are: apache/kafka on SASL_SSL
 * with SCRAM-SHA-512 (its certificate issued by a CA of this test's own), Confluent Schema Registry behind HTTP basic
 * auth, Elasticsearch with its security on (TLS with the CA it generates, an API key made for the run). memshift
 * reaches all three through one config file whose secrets are {@code file:} references, and nothing it printed or
 * logged, nor the index mapping, holds a secret. Skipped where no Docker engine runs; where one does:
 * {@code mvn -B -pl cli -am verify -Dtest=SecuredOfficialImagesMigrationTest -Dsurefire.failIfNoSpecifiedTests=false}.
 */
@Testcontainers(disabledWithoutDocker = true)
class SecuredOfficialImagesMigrationTest {

    private static final String MODEL = "onnx:bge-small-en-v15";
    /** The sample's pipeline (its store, mem0-export) names the index a default migrate fills. */
    private static final String INDEX = "memories.mem0-export.onnx-bge-small-en-v15-1";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Certificates and credentials, made before the containers start: they are built into them. */
    private static final Path SECRETS = temporaryFolder();
    private static final StackSecurity TLS = StackSecurity.ensure(SECRETS);
    private static final String KAFKA_PASSWORD = randomSecret();
    private static final String REGISTRY_PASSWORD = randomSecret();
    private static final String ELASTIC_PASSWORD = randomSecret();

    /**
     * The broker advertises the host port memshift dials, so that port is fixed before the container starts; the
     * certificate names localhost, where Testcontainers publishes ports on a local engine.
     */
    private static final int KAFKA_PORT = freePort();

    /** The registry reaches the broker on this network, on a plaintext listener of its own. */
    private static final Network NETWORK = Network.newNetwork();

    @Container
    static final GenericContainer<?> KAFKA = new GenericContainer<>(DockerImageName.parse(OfficialImages.KAFKA))
            .withNetwork(NETWORK)
            .withNetworkAliases("kafka")
            .withCopyToContainer(Transferable.of(read(TLS.keystore()), 0644), "/opt/kafka/secrets/server.p12")
            .withCopyToContainer(Transferable.of(brokerScript(), 0755), "/opt/kafka/secrets/start.sh")
            .withCreateContainerCmdModifier(cmd -> {
                cmd.withEntrypoint("/bin/bash");
                cmd.withExposedPorts(ExposedPort.tcp(9094));
                cmd.getHostConfig().withPortBindings(new PortBinding(Ports.Binding.bindPort(KAFKA_PORT), ExposedPort.tcp(9094)));
            })
            .withCommand("/opt/kafka/secrets/start.sh")
            .waitingFor(Wait.forLogMessage(".*Kafka Server started.*", 1).withStartupTimeout(Duration.ofMinutes(2)));

    @Container
    static final GenericContainer<?> REGISTRY = new GenericContainer<>(DockerImageName.parse(OfficialImages.SCHEMA_REGISTRY))
            .withNetwork(NETWORK)
            .withNetworkAliases("schema-registry")
            .withEnv("SCHEMA_REGISTRY_HOST_NAME", "schema-registry")
            .withEnv("SCHEMA_REGISTRY_LISTENERS", "http://0.0.0.0:8081")
            .withEnv("SCHEMA_REGISTRY_KAFKASTORE_BOOTSTRAP_SERVERS", "PLAINTEXT://kafka:19092")
            .withEnv("SCHEMA_REGISTRY_KAFKASTORE_TOPIC_REPLICATION_FACTOR", "1")
            // HTTP basic auth as Confluent documents it: a JAAS realm over a password file (Jetty 12's login module).
            .withEnv("SCHEMA_REGISTRY_AUTHENTICATION_METHOD", "BASIC")
            .withEnv("SCHEMA_REGISTRY_AUTHENTICATION_REALM", "SchemaRegistry")
            .withEnv("SCHEMA_REGISTRY_AUTHENTICATION_ROLES", "writer")
            .withEnv("SCHEMA_REGISTRY_OPTS", "-Djava.security.auth.login.config=/etc/schema-registry/memshift-jaas.conf")
            .withCopyToContainer(Transferable.of("SchemaRegistry {\n"
                    + "  org.eclipse.jetty.security.jaas.spi.PropertyFileLoginModule required\n"
                    + "  file=\"/etc/schema-registry/memshift-users\";\n};\n", 0644), "/etc/schema-registry/memshift-jaas.conf")
            .withCopyToContainer(Transferable.of("memshift: " + REGISTRY_PASSWORD + ",writer\n", 0644),
                    "/etc/schema-registry/memshift-users")
            .withExposedPorts(8081)
            .dependsOn(KAFKA)
            .waitingFor(Wait.forHttp("/subjects").withBasicCredentials("memshift", REGISTRY_PASSWORD).forStatusCode(200)
                    .withStartupTimeout(Duration.ofMinutes(2)));

    /** Elasticsearch 8's own security: TLS on HTTP with the CA it generates at its first start, users, API keys. */
    @Container
    static final ElasticsearchContainer ELASTICSEARCH = new ElasticsearchContainer(DockerImageName.parse(OfficialImages.ELASTICSEARCH))
            .withPassword(ELASTIC_PASSWORD)
            .withEnv("ES_JAVA_OPTS", "-Xms1g -Xmx1g")
            .withStartupTimeout(Duration.ofMinutes(3));

    @Test
    void aSecuredMigrationOnTheOfficialImagesIndexesEveryMemoryAndShowsNoSecret() throws Exception {
        Path work = Files.createTempDirectory(SECRETS, "run");
        Path esCa = write(work.resolve("http_ca.crt"), ELASTICSEARCH.caCertAsBytes().orElseThrow());
        HttpClient elasticsearch = HttpClient.newBuilder().sslContext(ELASTICSEARCH.createSslContextFromCa()).build();
        String elasticBasic = "Basic " + base64("elastic:" + ELASTIC_PASSWORD);
        JsonNode apiKey = JSON.readTree(send(elasticsearch, HttpRequest.newBuilder(URI.create(esUrl() + "/_security/api_key"))
                .header("Authorization", elasticBasic).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"name\": \"memshift\"}")).build()));
        String encodedApiKey = apiKey.get("encoded").asText();
        List<String> secrets = List.of(KAFKA_PASSWORD, REGISTRY_PASSWORD, ELASTIC_PASSWORD, encodedApiKey,
                apiKey.get("api_key").asText(), base64("memshift:" + REGISTRY_PASSWORD));

        Path config = work.resolve("memshift.yaml");
        Files.writeString(config, "kafka:\n"
                + "  bootstrap-servers: localhost:" + KAFKA_PORT + "\n"
                + "  sasl: {mechanism: SCRAM-SHA-512, username: memshift, password: file:"
                + write(work.resolve("kafka.password"), KAFKA_PASSWORD) + "}\n"
                + "  tls: {ca-file: " + TLS.caCertificate() + "}\n"
                + "  topics: {partitions: 3, replication-factor: 1}\n"
                + "schema-registry:\n"
                + "  url: http://" + REGISTRY.getHost() + ":" + REGISTRY.getMappedPort(8081) + "\n"
                + "  basic-auth: file:" + write(work.resolve("registry-user-info"), "memshift:" + REGISTRY_PASSWORD) + "\n"
                + "elasticsearch:\n"
                + "  url: " + esUrl() + "\n"
                + "  api-key: file:" + write(work.resolve("es-api-key"), encodedApiKey) + "\n"
                + "  tls: {ca-file: " + esCa + "}\n");
        int memories = JSON.readTree(Files.readString(Cli.sample())).get("results").size();

        Cli.Result check = Cli.run("check", "--config", config.toString(), "--model", MODEL,
                "--data-dir", work.resolve("check").toString());
        assertThat(check.exitCode()).as(check.out() + check.err()).isZero();

        CapturedOutput captured = CapturedOutput.during(() -> Cli.run("migrate", "--config", config.toString(),
                "--source", "mem0-json:" + Cli.sample(), "--model", MODEL, "--data-dir", work.resolve("data").toString()));
        Cli.Result run = captured.result();
        assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
        assertThat(run.out()).contains("Migration summary").contains("failed        0");

        send(elasticsearch, HttpRequest.newBuilder(URI.create(esUrl() + "/" + INDEX + "/_refresh"))
                .header("Authorization", elasticBasic).POST(HttpRequest.BodyPublishers.noBody()).build());
        JsonNode count = JSON.readTree(send(elasticsearch, HttpRequest.newBuilder(URI.create(esUrl() + "/memories/_count"))
                .header("Authorization", elasticBasic).GET().build()));
        assertThat(count.get("count").asInt()).isEqualTo(memories);

        StringBuilder everything = new StringBuilder(check.out()).append(check.err()).append(run.out()).append(run.err())
                .append(captured.text());
        everything.append(send(elasticsearch, HttpRequest.newBuilder(URI.create(esUrl() + "/" + INDEX + "/_mapping"))
                .header("Authorization", elasticBasic).GET().build()));
        for (String secret : secrets) {
            assertThat(everything.indexOf(secret)).as("a secret (" + secret.length() + " characters) showed").isEqualTo(-1);
        }
    }

    /**
     * The broker's start: KRaft, one node; SASL_SSL (SCRAM-SHA-512, the CA's certificate for localhost) published to
     * the host, plaintext only on the container network for the registry. SCRAM users of a KRaft cluster are made
     * when its storage is formatted, so the image's own start script, which formats without them, is not used.
     */
    private static String brokerScript() {
        String keystorePassword = TLS.keystorePassword();
        return "#!/bin/bash\nset -e\n"
                + "cat > /tmp/server.properties <<'EOF'\n"
                + "process.roles=broker,controller\n"
                + "node.id=1\n"
                + "controller.quorum.voters=1@localhost:9093\n"
                + "listeners=SASL_SSL://0.0.0.0:9094,BROKER://0.0.0.0:19092,CONTROLLER://localhost:9093\n"
                + "advertised.listeners=SASL_SSL://localhost:" + KAFKA_PORT + ",BROKER://kafka:19092\n"
                + "listener.security.protocol.map=SASL_SSL:SASL_SSL,BROKER:PLAINTEXT,CONTROLLER:PLAINTEXT\n"
                + "controller.listener.names=CONTROLLER\n"
                + "inter.broker.listener.name=BROKER\n"
                + "sasl.enabled.mechanisms=SCRAM-SHA-512\n"
                + "listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config="
                + "org.apache.kafka.common.security.scram.ScramLoginModule required;\n"
                + "ssl.keystore.type=PKCS12\n"
                + "ssl.keystore.location=/opt/kafka/secrets/server.p12\n"
                + "ssl.keystore.password=" + keystorePassword + "\n"
                + "ssl.key.password=" + keystorePassword + "\n"
                + "log.dirs=/tmp/kraft-logs\n"
                + "auto.create.topics.enable=false\n"
                + "offsets.topic.replication.factor=1\n"
                + "transaction.state.log.replication.factor=1\n"
                + "transaction.state.log.min.isr=1\n"
                + "group.initial.rebalance.delay.ms=0\n"
                + "EOF\n"
                + "/opt/kafka/bin/kafka-storage.sh format --ignore-formatted -t MkU3OEVBNTcwNTJENDM2Qg -c /tmp/server.properties"
                + " --add-scram 'SCRAM-SHA-512=[name=memshift,password=" + KAFKA_PASSWORD + "]'\n"
                + "exec /opt/kafka/bin/kafka-server-start.sh /tmp/server.properties\n";
    }

    private static String esUrl() {
        return "https://" + ELASTICSEARCH.getHttpHostAddress();
    }

    private static String send(HttpClient client, HttpRequest request) throws Exception {
        HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(request.uri() + ": " + response.body()).isBetween(200, 299);
        return response.body();
    }

    private static Path write(Path file, String content) throws IOException {
        return write(file, content.getBytes(StandardCharsets.UTF_8));
    }

    private static Path write(Path file, byte[] content) throws IOException {
        return Files.write(file, content);
    }

    private static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String base64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    /** Letters and digits only: the secrets go into a shell script, a JAAS file and a SCRAM format argument. */
    private static String randomSecret() {
        byte[] bytes = new byte[16];
        new SecureRandom().nextBytes(bytes);
        return "s" + HexFormat.of().formatHex(bytes);
    }

    private static Path temporaryFolder() {
        try {
            return Files.createTempDirectory("memshift-secured-images");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
