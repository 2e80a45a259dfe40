package io.memshift.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.langchain4j.model.embedding.EmbeddingModel;
import io.memshift.clients.KafkaClients;
import io.memshift.clients.KafkaSettings;
import io.memshift.embedded.EmbeddedStackExtension;
import io.memshift.embedded.StackEndpoints;
import io.memshift.importer.ConsumerGroupLag;
import io.memshift.reembedder.EmbeddingModels;
import io.memshift.reembedder.Reembedder;
import io.memshift.reembedder.Vectors;
import io.memshift.schemas.EmbeddedMemoryEvent;
import io.memshift.schemas.MemoryEvent;
import io.memshift.schemas.MemoryVersion;
import io.memshift.schemas.Op;
import io.memshift.schemas.SchemaRegistryClient;
import io.memshift.schemas.SourceRef;
import io.memshift.schemas.Topic;
import io.memshift.schemas.Topics;
import io.memshift.schemas.testing.CommittedRecords;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** kill -9 the re-embedder process mid-batch at 10 random instants: the output still holds each memory exactly once. */
@ExtendWith(EmbeddedStackExtension.class)
class ReembedderCrashTest {

    private static final String INPUT = "reembed-crash-input";
    private static final String MODEL = "onnx:all-minilm-l6-v2-q";
    /** A generation of its own, so no other test writes the output topic. */
    private static final int GENERATION = 9;
    private static final int MEMORIES = 5000;

    @TempDir
    Path dir;

    @Test
    void killedTenTimesTheReembedderStillWritesEachMemoryExactlyOnce(StackEndpoints stack) throws Exception {
        long seed = System.nanoTime();
        System.out.println("ReembedderCrashTest seed " + seed);
        Random random = new Random(seed);
        SchemaRegistryClient registry = new SchemaRegistryClient(stack.schemaRegistryUrl());
        Map<String, MemoryEvent> input = publish(stack, registry);

        int kills = 0;
        int killsMidStream = 0;
        String applicationId = Reembedder.applicationId(INPUT, MODEL, GENERATION);
        for (int i = 0; i < 10; i++) {
            long startsBefore = linesStartingWith("reembed.log", "Re-embedding ");
            Process victim = start(stack, false);
            // Kill while it works: after it reports the stage started, at a random instant within 4 s.
            long deadline = System.currentTimeMillis() + 120_000;
            while (victim.isAlive() && linesStartingWith("reembed.log", "Re-embedding ") == startsBefore
                    && System.currentTimeMillis() < deadline) {
                Thread.sleep(50);
            }
            Thread.sleep(500 + random.nextInt(3500));
            if (victim.isAlive()) {
                victim.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
                kills++;
                long lag = ConsumerGroupLag.of(KafkaSettings.of(stack.bootstrapServers()), applicationId, INPUT);
                if (lag > 0 && lag < MEMORIES) {
                    killsMidStream++;
                }
            }
        }
        // The kills must have hit a stage at work, not only before its first commit or after its last.
        assertThat(killsMidStream).isGreaterThanOrEqualTo(2);
        Process last = start(stack, true);
        assertThat(last.waitFor(5, TimeUnit.MINUTES)).isTrue();
        assertThat(last.exitValue()).as(Files.readString(dir.resolve("reembed.log"))).isZero();
        assertThat(kills).isEqualTo(10);

        List<ConsumerRecord<String, EmbeddedMemoryEvent>> output = CommittedRecords.readToEnd(stack.bootstrapServers(),
                Topics.embedded(Topics.embeddedTopicName(INPUT, MODEL, GENERATION), registry));
        Map<String, EmbeddedMemoryEvent> byId = new HashMap<>();
        for (ConsumerRecord<String, EmbeddedMemoryEvent> record : output) {
            assertThat(byId.put(record.key(), record.value())).as("exactly once: " + record.key()).isNull();
        }
        assertThat(byId.keySet()).isEqualTo(input.keySet());
        EmbeddingModel model = EmbeddingModels.profile(MODEL).factory().get();
        int checked = 0;
        for (Map.Entry<String, MemoryEvent> entry : input.entrySet()) {
            EmbeddedMemoryEvent out = byId.get(entry.getKey());
            assertThat(out.getMemory()).isEqualTo(entry.getValue());
            if (entry.getValue().getOp() == Op.DELETE) {
                assertThat(out.getEmbedding()).isNull();
            } else if (checked++ < 60) {
                float[] expected = model.embed(entry.getValue().getText()).content().vector();
                assertThat(Vectors.cosine(expected, out.getEmbedding())).isGreaterThanOrEqualTo(0.99999);
            }
        }
        System.out.println("ReembedderCrashTest: " + kills + " kills (" + killsMidStream + " mid-stream), " + byId.size()
                + " memories exactly once");
    }

    private long linesStartingWith(String logName, String prefix) throws Exception {
        Path log = dir.resolve(logName);
        return Files.exists(log) ? Files.readAllLines(log).stream().filter(l -> l.startsWith(prefix)).count() : 0;
    }

    private Process start(StackEndpoints stack, boolean untilCaughtUp) throws Exception {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx1g",
                "-Dmemshift.home=" + System.getProperty("memshift.home"),
                "-Dmemshift.logdir=" + dir.resolve("logs"),
                "-cp", System.getProperty("java.class.path"), "io.memshift.cli.Memshift",
                "reembed", "--model", MODEL, "--generation", Integer.toString(GENERATION), "--input-topic", INPUT,
                "--batch-size", "32", "--data-dir", dir.resolve("data").toString(),
                "--bootstrap-servers", stack.bootstrapServers(), "--schema-registry", stack.schemaRegistryUrl(),
                "--es", stack.elasticsearchUrl()));
        if (untilCaughtUp) {
            command.add("--until-caught-up");
        }
        return new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("reembed.log").toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
    }

    private static Map<String, MemoryEvent> publish(StackEndpoints stack, SchemaRegistryClient registry) throws Exception {
        KafkaClients kafka = new KafkaClients(KafkaSettings.of(stack.bootstrapServers()));
        try (Admin client = kafka.admin()) {
            Topics.ensureExists(client, new Topics.TopicSpec(INPUT, 3, Map.of()));
        }
        Map<String, MemoryEvent> input = new HashMap<>();
        Instant at = Instant.parse("2024-03-01T12:00:00Z");
        for (int i = 0; i < MEMORIES; i++) {
            String id = "rc-" + i;
            SourceRef source = SourceRef.newBuilder().setSystem("test").setName("crash").build();
            MemoryEvent event = i % 10 == 9
                    ? MemoryEvent.newBuilder().setOp(Op.DELETE).setId(id).setVersion(MemoryVersion.ofDelete(at)).setSource(source).build()
                    : MemoryEvent.newBuilder().setOp(Op.UPSERT).setId(id)
                            .setText("User " + (i % 97) + " mentioned preference number " + i + " about topic " + (i * 31 % 211))
                            .setHash("h" + i).setUserId("u" + (i % 97)).setVersion(MemoryVersion.ofUpsert(at, at, "t" + i))
                            .setSource(source).build();
            input.put(id, event);
        }
        Properties props = kafka.producerConfig();
        Topic<String, MemoryEvent> topic = Topics.memories(INPUT, registry);
        try (KafkaProducer<String, MemoryEvent> producer = topic.producer(props)) {
            input.values().forEach(e -> producer.send(topic.record(e.getId(), e)));
            producer.flush();
        }
        return input;
    }
}
