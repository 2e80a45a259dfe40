package io.memshift.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.memshift.clients.TlsTrust;
import io.memshift.embedded.StackPorts;
import io.memshift.embedded.StackSecurity;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The secured embedded stack, as a user gets it: {@code stack up --secure} on free ports prints {@code config:
 * <path>}, and {@code migrate --config <path>} runs against SASL_SSL Kafka (SCRAM, ACLs), the registry and
 * Elasticsearch behind TLS with credentials. A wrong password, a wrong API key, an untrusted certificate and a
 * missing ACL each stop a migration within 30 s with one line naming the cluster and what it refused, before
 * anything is written; {@code check} names the missing permissions; no secret shows in anything memshift printed or
 * logged, in the index's {@code _meta} or in a record header.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SecureStackTest {

    private static final String MODEL = "onnx:all-minilm-l6-v2-q";
    /** The sample's pipeline (its store, mem0-export) and so its index: the one a default migrate fills. */
    private static final String INDEX = "memories.mem0-export.onnx-all-minilm-l6-v2-q-1";
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Path root;
    private static Path stackData;
    private static Path config;
    private static StackSecurity security;
    private static String bootstrap;
    private static String elasticsearchUrl;
    private static Thread stopper;

    @BeforeAll
    static void secureStackUp() throws Exception {
        root = Files.createTempDirectory("memshift-secure-test-");
        stackData = root.resolve("stack-data");
        StackPorts ports = StackPorts.free();
        stopper = new Thread(() -> Cli.run("stack", "down", "--data-dir", stackData.toString()), "secure-stack-down");
        Runtime.getRuntime().addShutdownHook(stopper);
        Cli.Result up = Cli.run("stack", "up", "--secure", "--data-dir", stackData.toString(),
                "--kafka-port", "" + ports.kafka(), "--kafka-controller-port", "" + ports.kafkaController(),
                "--registry-port", "" + ports.schemaRegistry(), "--es-port", "" + ports.elasticsearch());
        assertThat(up.exitCode()).as(up.out() + up.err()).isZero();
        Matcher line = Pattern.compile("(?m)^config: (.+)$").matcher(up.out());
        assertThat(line.find()).as("a line 'config: <path>' in:\n" + up.out()).isTrue();
        config = Path.of(line.group(1).strip());
        assertThat(config).isRegularFile();
        security = StackSecurity.find(stackData.resolve("stack")).orElseThrow();
        bootstrap = "127.0.0.1:" + ports.kafka();
        elasticsearchUrl = "https://127.0.0.1:" + ports.elasticsearch();
        assertThat(Files.readString(config)).contains("SASL_SSL").contains("file:")
                .doesNotContain(security.secrets().toArray(String[]::new));
    }

    @AfterAll
    static void secureStackDown() {
        if (stackData != null) {
            Cli.run("stack", "down", "--data-dir", stackData.toString());
            Runtime.getRuntime().removeShutdownHook(stopper);
        }
    }

    @Test
    @Order(1)
    void aWrongKafkaPasswordStopsTheRunNamingKafka() throws Exception {
        Path wrong = Files.writeString(root.resolve("wrong-kafka.password"), "not-the-password\n");
        Path file = variant("kafka-wrong.yaml", text -> text.replace("file:" + security.kafkaPasswordFile(StackSecurity.KAFKA_USER),
                "file:" + wrong));

        refused(file, "Kafka at " + bootstrap + " refused to log in", "SCRAM-SHA-512 as memshift");
    }

    @Test
    @Order(2)
    void aWrongApiKeyStopsTheRunNamingElasticsearch() throws Exception {
        Path wrong = Files.writeString(root.resolve("wrong-api-key"),
                Base64.getEncoder().encodeToString("someid:somekey".getBytes(StandardCharsets.UTF_8)));
        Path file = variant("es-wrong.yaml", text -> text.replace("file:" + security.elasticsearchApiKeyFile(),
                "file:" + wrong));

        refused(file, "Elasticsearch at " + elasticsearchUrl + " refused to log in", "API key from file:" + wrong);
    }

    @Test
    @Order(3)
    void anUntrustedCertificateStopsTheRun() throws Exception {
        // No CA: the JVM's own trusted CAs, which never issued the stack's certificate.
        Path file = variant("untrusted.yaml", text -> text.replaceAll("(?m)^  tls:\\n    ca-file: .*\\n", ""));

        refused(file, "Kafka at " + bootstrap + " could not connect over TLS", "not trusted");
    }

    @Test
    @Order(4)
    void aUserWithoutAclsIsStoppedAndCheckNamesWhatIsMissing() throws Exception {
        Path file = userWithoutAcls();

        refused(file, "Kafka at " + bootstrap + " refused to use topic memories", "an ACL on the topic prefix 'memories'");

        // The sample's pipeline by name: the exact topics, groups and index a migration of the sample uses.
        Cli.Result check = Cli.run("check", "--config", file.toString(), "--model", MODEL, "--pipeline", "mem0-export",
                "--data-dir", root.resolve("check").toString());
        assertThat(check.exitCode()).as(check.out() + check.err()).isEqualTo(1);
        assertThat(check.out()).contains("MISSING  use transactions: WRITE and DESCRIBE on transactional id memshift-check")
                .contains("MISSING  use consumer group memshift-import-" + INDEX)
                .contains("MISSING  use consumer group memshift-gate-memories.mem0-export")
                .contains("MISSING  use topic memories.mem0-export.intake")
                .contains("MISSING  use topic memories.mem0-export.embedded.onnx-all-minilm-l6-v2-q")
                .contains("MISSING  use topic memshift.pipelines")
                .contains("ok       log in");
    }

    @Test
    @Order(5)
    void checkPassesForTheStacksOwnUserAndEveryKindOfCredentials() throws Exception {
        Cli.Result own = Cli.run("check", "--config", config.toString(), "--model", MODEL,
                "--data-dir", root.resolve("check").toString());
        assertThat(own.exitCode()).as(own.out() + own.err()).isZero();
        assertThat(own.out()).contains("Everything a migration needs is allowed.").doesNotContain("MISSING");

        // The other credentials the gateway takes, and the CA pinned by its fingerprint instead of its file.
        String fingerprint;
        try (InputStream in = Files.newInputStream(security.caCertificate())) {
            fingerprint = TlsTrust.fingerprintOf((X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(in));
        }
        String text = Files.readString(config);
        String kafkaAndRegistry = text.substring(text.indexOf("kafka:"), text.indexOf("elasticsearch:"))
                .replace("basic-auth: file:" + security.registryUserInfoFile(), "bearer-token: file:" + security.bearerTokenFile());
        Path other = Files.writeString(root.resolve("other-credentials.yaml"), kafkaAndRegistry
                + "elasticsearch:\n  url: " + elasticsearchUrl + "\n  username: " + StackSecurity.HTTP_USER
                + "\n  password: file:" + security.httpPasswordFile() + "\n  tls:\n    ca-fingerprint: " + fingerprint + "\n");

        Cli.Result others = Cli.run("check", "--config", other.toString(), "--model", MODEL,
                "--data-dir", root.resolve("check").toString());
        assertThat(others.exitCode()).as(others.out() + others.err()).isZero();
        assertThat(others.out()).contains("bearer token from file:").contains("user memshift (password from file:")
                .contains("trusting the certificate with SHA-256 fingerprint " + fingerprint);
    }

    @Test
    @Order(6)
    void aFullMigrationRunsSecuredAndNoSecretShowsAnywhere() throws Exception {
        List<String> secrets = new ArrayList<>(security.secrets());
        secrets.add(Base64.getEncoder().encodeToString((StackSecurity.HTTP_USER + ":"
                + Files.readString(security.httpPasswordFile()).strip()).getBytes(StandardCharsets.UTF_8)));
        int memories = JSON.readTree(Files.readString(Cli.sample())).get("results").size();

        CapturedOutput captured = CapturedOutput.during(() -> Cli.run("migrate", "--config", config.toString(),
                "--source", "mem0-json:" + Cli.sample(), "--model", MODEL, "--data-dir", root.resolve("run").toString()));

        Cli.Result run = captured.result();
        assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
        assertThat(run.out()).contains("failed        0");
        assertThat(count("/memories/_count")).isEqualTo(memories);

        StringBuilder everything = new StringBuilder(run.out()).append(run.err()).append(captured.text());
        everything.append(get("/" + INDEX + "/_mapping").toString());
        // Every topic the records went through: the intake, the log the version gate wrote, the embedded topic.
        everything.append(headersOf(Set.of("memories.mem0-export.intake", "memories.mem0-export",
                "memories.mem0-export.embedded.onnx-all-minilm-l6-v2-q")));
        assertThat(captured.text()).as("the migration logged something").isNotEmpty();
        for (String secret : secrets) {
            assertThat(everything.indexOf(secret)).as("a secret (" + secret.length() + " characters) showed").isEqualTo(-1);
        }
    }

    @Test
    @Order(7)
    void aMem0ElasticsearchSourceOnTheSecuredClusterIsReadWithItsCredentials() throws Exception {
        send("PUT", "/mem0_secured", "{\"mappings\": {\"properties\": {\"metadata\": {\"type\": \"object\"}}}}");
        StringBuilder bulk = new StringBuilder();
        for (int i = 0; i < 12; i++) {
            bulk.append("{\"index\":{\"_index\":\"mem0_secured\",\"_id\":\"es-").append(i).append("\"}}\n")
                    .append("{\"metadata\":{\"data\":\"Secured memory ").append(i)
                    .append("\",\"hash\":\"h").append(i).append("\",\"created_at\":\"2024-04-01T10:00:00Z\",")
                    .append("\"user_id\":\"u").append(i % 3).append("\"}}\n");
        }
        HttpResponse<String> indexed = send("POST", "/_bulk?refresh=true", bulk.toString());
        assertThat(indexed.statusCode()).as(indexed.body()).isEqualTo(200);

        // The source is on the config file's Elasticsearch, so its API key and CA are used for reading it too.
        Cli.Result run = Cli.run("migrate", "--config", config.toString(), "--source",
                "mem0-es:" + elasticsearchUrl + "/mem0_secured", "--model", MODEL, "--index", "memories-from-mem0-es",
                "--no-cutover", "--data-dir", root.resolve("run").toString());

        assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
        assertThat(run.out()).contains("read          12");
        // The store has a pipeline of its own (mem0_secured), so its index holds exactly its 12 memories.
        send("POST", "/_refresh");
        HttpResponse<String> found = send("POST", "/memories-from-mem0-es/_count",
                "{\"query\": {\"ids\": {\"values\": [\"es-0\",\"es-1\",\"es-2\",\"es-3\",\"es-4\",\"es-5\","
                        + "\"es-6\",\"es-7\",\"es-8\",\"es-9\",\"es-10\",\"es-11\"]}}}");
        assertThat(JSON.readTree(found.body()).get("count").asInt()).as(found.body()).isEqualTo(12);
        assertThat(count("/memories-from-mem0-es/_count")).isEqualTo(12);
    }

    // ---------------------------------------------------------------- helpers

    /** A migrate with {@code file} fails within 30 s, in one line naming what was refused, and writes nothing. */
    private static void refused(Path file, String cluster, String detail) throws Exception {
        long start = System.nanoTime();
        Cli.Result result = Cli.run("migrate", "--config", file.toString(), "--source", "mem0-json:" + Cli.sample(),
                "--model", MODEL, "--data-dir", root.resolve("refused").toString());
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(result.exitCode()).as(result.out() + result.err()).isEqualTo(1);
        List<String> errors = result.err().lines().filter(l -> l.startsWith("memshift: error: ")).toList();
        assertThat(errors).as(result.err()).hasSize(1);
        assertThat(errors.get(0)).contains(cluster).contains(detail).endsWith("nothing was written");
        assertThat(took).as("time to fail").isLessThan(Duration.ofSeconds(30));
        // Nothing half-written: no topic of the pipeline, no index, no schema.
        try (Admin admin = Admin.create(adminProps())) {
            assertThat(admin.listTopics().names().get()).noneMatch(t -> t.startsWith("memories") || t.startsWith("memshift"));
        }
        assertThat(status("/" + INDEX)).isEqualTo(404);
    }

    private interface Edit {
        String apply(String text);
    }

    private static Path variant(String name, Edit edit) throws Exception {
        String text = Files.readString(config);
        String changed = edit.apply(text);
        assertThat(changed).as("the edit of " + name + " changed the config").isNotEqualTo(text);
        return Files.writeString(root.resolve(name), changed);
    }

    /** A Kafka user that exists (created by the stack's admin) but has no ACL at all. */
    private static Path userWithoutAcls() throws Exception {
        String password = "no-acl-" + System.nanoTime();
        try (Admin admin = Admin.create(adminProps())) {
            admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion("no-acls",
                    new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 8192), password))).all().get();
        }
        Path passwordFile = Files.writeString(root.resolve("no-acls.password"), password);
        return variant("no-acls.yaml", text -> text
                .replace("username: " + StackSecurity.KAFKA_USER, "username: no-acls")
                .replace("file:" + security.kafkaPasswordFile(StackSecurity.KAFKA_USER), "file:" + passwordFile));
    }

    private static Properties adminProps() {
        Properties props = new Properties();
        props.putAll(security.kafkaClientProperties(StackSecurity.KAFKA_ADMIN));
        props.put("bootstrap.servers", bootstrap);
        return props;
    }

    private static String headersOf(Set<String> topics) {
        StringBuilder text = new StringBuilder();
        Properties props = adminProps();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            topics.forEach(t -> consumer.partitionsFor(t).forEach(p -> partitions.add(new TopicPartition(t, p.partition()))));
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            var end = consumer.endOffsets(partitions);
            long deadline = System.currentTimeMillis() + 60_000;
            int headers = 0;
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))
                    && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    for (Header header : record.headers()) {
                        headers++;
                        text.append(header.key()).append('=')
                                .append(header.value() == null ? "" : new String(header.value(), StandardCharsets.UTF_8));
                    }
                }
            }
            assertThat(partitions.stream().allMatch(p -> consumer.position(p) >= end.get(p))).as("read every record").isTrue();
            text.append(" (").append(headers).append(" headers)");
        }
        return text.toString();
    }

    private static HttpResponse<String> send(String method, String path) throws Exception {
        return send(method, path, null);
    }

    /** A request to Elasticsearch through the gateway, with the stack's API key and CA. */
    private static HttpResponse<String> send(String method, String path, String body) throws Exception {
        HttpClient http = HttpClient.newBuilder().sslContext(security.sslContext()).build();
        String apiKey = Files.readString(security.elasticsearchApiKeyFile()).strip();
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(elasticsearchUrl + path))
                .header("Authorization", "ApiKey " + apiKey);
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        return http.send(request.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static int status(String path) throws Exception {
        return send("HEAD", path).statusCode();
    }

    private static JsonNode get(String path) throws Exception {
        HttpResponse<String> response = send("GET", path);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    private static int count(String path) throws Exception {
        send("POST", "/_refresh");
        return get(path).get("count").asInt();
    }
}
