package io.memshift.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.memshift.clients.KafkaClients;
import io.memshift.clients.KafkaSettings;
import io.memshift.embedded.EmbeddedStackExtension;
import io.memshift.embedded.StackEndpoints;
import io.memshift.importer.ConsumerGroupLag;
import io.memshift.importer.DocumentLayout;
import io.memshift.importer.Importer;
import io.memshift.importer.ImporterConfig;
import io.memshift.importer.IndexMapping;
import io.memshift.schemas.EmbeddedMemoryEvent;
import io.memshift.schemas.MemoryEvent;
import io.memshift.schemas.ModelFingerprint;
import io.memshift.schemas.Op;
import io.memshift.schemas.SchemaRegistryClient;
import io.memshift.schemas.SourceRef;
import io.memshift.schemas.Topics;
import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 the importer process at 20 random instants of a large import; after a last run to the end, the index
 * equals a clean run's: same ids, versions, vectors and tombstones.
 */
@ExtendWith(EmbeddedStackExtension.class)
class ImporterCrashTest {

    private static final String TOPIC = "crash-test-embedded";
    private static final String MODEL_ID = "onnx:all-minilm-l6-v2-q";
    private static final int DIMS = 384;
    private static final int MEMORIES = 12_000;
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void killedAtRandomInstantsTheImporterStillEndsWithTheCleanRunsIndex(StackEndpoints stack) throws Exception {
        long seed = System.nanoTime();
        System.out.println("ImporterCrashTest seed " + seed);
        Random random = new Random(seed);
        int events = publishEvents(stack, random);

        // The memshift layout: its tombstones let the two indices be compared document for document.
        ImporterConfig clean = ImporterConfig.of(KafkaSettings.of(stack.bootstrapServers()), stack.schemaRegistryUrl(),
                stack.elasticsearchUrl(), TOPIC, "crash-clean", DocumentLayout.MEMSHIFT, IndexMapping.forDims(DIMS));
        try (Importer importer = new Importer(clean)) {
            importer.start();
            await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofSeconds(1))
                    .until(() -> ConsumerGroupLag.of(KafkaSettings.of(stack.bootstrapServers()), clean.groupId(), TOPIC) == 0);
        }

        int kills = 0;
        int killsMidStream = 0;
        for (int i = 0; i < 20; i++) {
            long startsBefore = linesStartingWith("Importing ");
            Process victim = startImporter(stack, "crash-victim", false);
            // Kill while it works: after it reports the importer started, at a random instant within 3.5 s.
            long deadline = System.currentTimeMillis() + 120_000;
            while (victim.isAlive() && linesStartingWith("Importing ") == startsBefore && System.currentTimeMillis() < deadline) {
                Thread.sleep(50);
            }
            if (i % 2 == 0) {
                Thread.sleep(300 + random.nextInt(3200));
            } else {
                // Every other kill comes just after this importer's first commit: on a loaded machine its first
                // commit can take longer than 3.5 s, and then no kill would hit it at work.
                KafkaSettings kafka = KafkaSettings.of(stack.bootstrapServers());
                String group = ImporterConfig.groupIdFor("crash-victim");
                long lagBefore = ConsumerGroupLag.of(kafka, group, TOPIC);
                if (lagBefore > 0) {
                    FirstCommit.await(victim, deadline, Duration.ofMillis(100),
                            () -> ConsumerGroupLag.of(kafka, group, TOPIC) < lagBefore);
                }
                Thread.sleep(random.nextInt(500));
            }
            if (victim.isAlive()) {
                victim.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
                kills++;
                long lag = ConsumerGroupLag.of(KafkaSettings.of(stack.bootstrapServers()), ImporterConfig.groupIdFor("crash-victim"), TOPIC);
                if (lag > 0 && lag < events) {
                    killsMidStream++;
                }
            }
        }
        // The kills must have hit an importer at work, not only before its first commit or after its last.
        assertThat(killsMidStream).isGreaterThanOrEqualTo(3);
        Process last = startImporter(stack, "crash-victim", true);
        assertThat(last.waitFor(5, TimeUnit.MINUTES)).isTrue();
        assertThat(last.exitValue()).as(Files.readString(dir.resolve("import.log"))).isZero();
        assertThat(kills).isEqualTo(20);

        Map<String, JsonNode> expected = documents(stack, "crash-clean");
        Map<String, JsonNode> actual = documents(stack, "crash-victim");
        assertThat(expected).hasSize(MEMORIES);
        assertThat(expected.values().stream().filter(d -> d.get("_source").get("deleted").asBoolean()).count())
                .as("the clean run holds tombstones").isPositive();
        assertThat(actual.keySet()).isEqualTo(expected.keySet());
        for (String id : expected.keySet()) {
            JsonNode want = expected.get(id);
            JsonNode got = actual.get(id);
            assertThat(got.get("_version")).as(id).isEqualTo(want.get("_version"));
            assertThat(got.get("_source").get("deleted")).as(id).isEqualTo(want.get("_source").get("deleted"));
            assertThat(got.get("_source").get("embedding")).as(id).isEqualTo(want.get("_source").get("embedding"));
            assertThat(got.get("_source").get("text")).as(id).isEqualTo(want.get("_source").get("text"));
        }
        System.out.println("ImporterCrashTest: " + events + " events, " + kills + " kills (" + killsMidStream
                + " mid-stream), " + expected.size() + " documents equal");
    }

    /**
     * Every memory gets a first version; a third of them a second, newer one; one in eight is then deleted; and
     * some deleted ones get a late, older upsert after the delete. The log order is shuffled per memory so that
     * stale versions also arrive after newer ones.
     */
    private int publishEvents(StackEndpoints stack, Random random) throws Exception {
        KafkaClients kafka = new KafkaClients(KafkaSettings.of(stack.bootstrapServers()));
        try (Admin client = kafka.admin()) {
            Topics.ensureExists(client, new Topics.TopicSpec(TOPIC, 3, Map.of()));
        }
        List<EmbeddedMemoryEvent> events = new ArrayList<>();
        for (int m = 0; m < MEMORIES; m++) {
            String id = "crash-" + m;
            List<EmbeddedMemoryEvent> mine = new ArrayList<>();
            mine.add(upsert(id, 1_000, random));
            if (m % 3 == 0) {
                mine.add(upsert(id, 2_000, random));
            }
            if (m % 8 == 0) {
                mine.add(delete(id, 3_000));
                if (m % 16 == 0) {
                    mine.add(upsert(id, 1_500, random));
                }
            }
            if (m % 5 == 0) {
                Collections.shuffle(mine, random);
            }
            events.addAll(mine);
        }
        Properties props = kafka.producerConfig();
        props.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        try (KafkaProducer<String, EmbeddedMemoryEvent> producer = Topics.embedded(TOPIC,
                new SchemaRegistryClient(stack.schemaRegistryUrl())).producer(props)) {
            for (EmbeddedMemoryEvent event : events) {
                producer.send(new ProducerRecord<>(TOPIC, event.getMemory().getId(), event));
            }
            producer.flush();
        }
        return events.size();
    }

    private long linesStartingWith(String prefix) throws Exception {
        Path log = dir.resolve("import.log");
        return Files.exists(log) ? Files.readAllLines(log).stream().filter(l -> l.startsWith(prefix)).count() : 0;
    }

    private Process startImporter(StackEndpoints stack, String index, boolean untilCaughtUp) throws Exception {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m",
                "-Dmemshift.home=" + System.getProperty("memshift.home"),
                "-Dmemshift.logdir=" + dir.resolve("logs"),
                "-cp", System.getProperty("java.class.path"), "io.memshift.cli.Memshift",
                "import", "--model", MODEL_ID, "--topic", TOPIC, "--index", index, "--layout", "memshift",
                "--bootstrap-servers", stack.bootstrapServers(), "--schema-registry", stack.schemaRegistryUrl(),
                "--es", stack.elasticsearchUrl()));
        if (untilCaughtUp) {
            command.add("--until-caught-up");
        }
        return new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("import.log").toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
    }

    private static EmbeddedMemoryEvent upsert(String id, long version, Random random) {
        List<Float> vector = new ArrayList<>(DIMS);
        for (int i = 0; i < DIMS; i++) {
            vector.add((float) random.nextGaussian());
        }
        MemoryEvent memory = MemoryEvent.newBuilder().setOp(Op.UPSERT).setId(id).setText(id + " at version " + version)
                .setHash("h").setUserId("u" + (id.hashCode() & 7)).setVersion(version)
                .setSource(SourceRef.newBuilder().setSystem("test").setName("crash").build()).build();
        return EmbeddedMemoryEvent.newBuilder().setMemory(memory).setEmbedding(vector).setModel(model())
                .setEmbeddedAt(Instant.now()).build();
    }

    private static EmbeddedMemoryEvent delete(String id, long version) {
        MemoryEvent memory = MemoryEvent.newBuilder().setOp(Op.DELETE).setId(id).setVersion(version)
                .setSource(SourceRef.newBuilder().setSystem("test").setName("crash").build()).build();
        return EmbeddedMemoryEvent.newBuilder().setMemory(memory).setEmbedding(null).setModel(model())
                .setEmbeddedAt(Instant.now()).build();
    }

    private static ModelFingerprint model() {
        return ModelFingerprint.newBuilder().setProvider("test").setName("random").setRevision(null).setDims(DIMS)
                .setPrefix(null).build();
    }

    /** Every document of an index (tombstones included), paged with search_after on memory_id. */
    private static Map<String, JsonNode> documents(StackEndpoints stack, String index) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        http.send(HttpRequest.newBuilder(URI.create(stack.elasticsearchUrl() + "/" + index + "/_refresh"))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        Map<String, JsonNode> docs = new HashMap<>();
        String after = null;
        while (true) {
            String body = "{\"size\": 2000, \"version\": true, \"sort\": [{\"memory_id\": \"asc\"}]"
                    + (after == null ? "" : ", \"search_after\": [" + JSON.writeValueAsString(after) + "]") + "}";
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                    URI.create(stack.elasticsearchUrl() + "/" + index + "/_search"))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                    HttpResponse.BodyHandlers.ofString());
            JsonNode hits = JSON.readTree(response.body()).get("hits").get("hits");
            if (hits.isEmpty()) {
                return docs;
            }
            for (JsonNode hit : hits) {
                docs.put(hit.get("_id").asText(), hit);
                after = hit.get("sort").get(0).asText();
            }
        }
    }
}
