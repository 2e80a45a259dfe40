package io.memshift.reembedder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.memshift.clients.KafkaClients;
import io.memshift.clients.KafkaSettings;
import io.memshift.embedded.EmbeddedStackExtension;
import io.memshift.embedded.StackEndpoints;
import io.memshift.schemas.EmbeddedMemoryEvent;
import io.memshift.schemas.Headers;
import io.memshift.schemas.MemoryEvent;
import io.memshift.schemas.MemoryVersion;
import io.memshift.schemas.Op;
import io.memshift.schemas.SchemaRegistryClient;
import io.memshift.schemas.SourceRef;
import io.memshift.schemas.Topic;
import io.memshift.schemas.Topics;
import io.memshift.schemas.testing.CommittedRecords;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** openai:<model> through LangChain4j against a local mock of OpenAI's real wire format. */
@ExtendWith(EmbeddedStackExtension.class)
class OpenAiProviderTest {

    private static final String INPUT = "openai-test-input";

    @Test
    void memoriesAreEmbeddedByTheOpenAiEndpointWithReducedDimensions(StackEndpoints stack) throws Exception {
        try (OpenAiMock mock = new OpenAiMock("sk-test-123", 256)) {
            Map<String, String> env = Map.of("OPENAI_API_KEY", "sk-test-123", "MEMSHIFT_OPENAI_BASE_URL", mock.baseUrl(),
                    "MEMSHIFT_OPENAI_DIMENSIONS", "256");
            ModelProfile profile = EmbeddingModels.profile("openai:text-embedding-3-small", env);
            assertThat(profile.dims()).isEqualTo(256);
            assertThat(profile.fingerprint().getRevision()).isEqualTo("dimensions=256");

            SchemaRegistryClient registry = new SchemaRegistryClient(stack.schemaRegistryUrl());
            Map<String, MemoryEvent> input = new HashMap<>();
            for (int i = 0; i < 40; i++) {
                Instant at = Instant.parse("2024-02-01T00:00:00Z");
                String text = "Remote memory " + i;
                input.put("oa-" + i, MemoryEvent.newBuilder().setOp(Op.UPSERT).setId("oa-" + i).setText(text)
                        .setVersion(MemoryVersion.ofUpsert(at, at, text))
                        .setSource(SourceRef.newBuilder().setSystem("test").setName("openai").build()).build());
            }
            publish(stack, registry, INPUT, input.values().stream().toList());

            ReembedderConfig config = new ReembedderConfig(KafkaSettings.of(stack.bootstrapServers()), stack.schemaRegistryUrl(),
                    profile.id(), 16, Duration.ofMillis(100), Files.createTempDirectory("openai-state-"), 3, INPUT);
            try (Reembedder reembedder = new Reembedder(config, profile, profile.factory().get())) {
                reembedder.start();
                await().atMost(Duration.ofSeconds(90)).until(() -> reembedder.metrics().events() >= 40);
            }
            assertThat(mock.refused.get()).as("a 429 was answered and survived").isEqualTo(1);
            Map<String, EmbeddedMemoryEvent> output = readCommitted(stack, registry, config.outputTopic());
            assertThat(output).hasSize(40);
            for (Map.Entry<String, MemoryEvent> entry : input.entrySet()) {
                EmbeddedMemoryEvent out = output.get(entry.getKey());
                assertThat(out.getModel().getProvider()).isEqualTo("openai");
                float[] expected = mock.vectorOf(entry.getValue().getText());
                List<Float> actual = out.getEmbedding();
                assertThat(actual).hasSize(256);
                for (int i = 0; i < expected.length; i++) {
                    assertThat(actual.get(i)).isEqualTo(expected[i]);
                }
            }
        }
    }

    @Test
    void aProviderDownForSecondsStallsTheStageWhichThenRecoversWithNothingLostOrDoubled(StackEndpoints stack) throws Exception {
        try (OpenAiMock mock = new OpenAiMock("sk-test-456", 64)) {
            Map<String, String> env = Map.of("OPENAI_API_KEY", "sk-test-456", "MEMSHIFT_OPENAI_BASE_URL", mock.baseUrl(),
                    "MEMSHIFT_OPENAI_DIMENSIONS", "64");
            ModelProfile profile = EmbeddingModels.profile("openai:text-embedding-3-small", env);
            SchemaRegistryClient registry = new SchemaRegistryClient(stack.schemaRegistryUrl());
            String input = "openai-outage-input";
            Map<String, MemoryEvent> events = new HashMap<>();
            for (int i = 0; i < 60; i++) {
                Instant at = Instant.parse("2024-02-02T00:00:00Z");
                String text = "Memory during an outage " + i;
                events.put("out-" + i, MemoryEvent.newBuilder().setOp(Op.UPSERT).setId("out-" + i).setText(text)
                        .setVersion(MemoryVersion.ofUpsert(at, at, text))
                        .setSource(SourceRef.newBuilder().setSystem("test").setName("outage").build()).build());
            }
            mock.outageFor(8_000);
            publish(stack, registry, input, events.values().stream().toList());

            ReembedderConfig config = new ReembedderConfig(KafkaSettings.of(stack.bootstrapServers()), stack.schemaRegistryUrl(),
                    profile.id(), 16, Duration.ofMillis(100), Files.createTempDirectory("outage-state-"), 4, input);
            try (Reembedder reembedder = new Reembedder(config, profile, profile.factory().get())) {
                reembedder.start();
                await().atMost(Duration.ofSeconds(120)).until(() -> reembedder.metrics().events() >= 60);
                assertThat(reembedder.failure()).isNull();
                assertThat(reembedder.metrics().modelRetries()).isPositive();
            }
            assertThat(mock.serverErrors.get()).isPositive();
            Map<String, EmbeddedMemoryEvent> output = readCommitted(stack, registry, config.outputTopic());
            assertThat(output.keySet()).isEqualTo(events.keySet());
            for (Map.Entry<String, MemoryEvent> entry : events.entrySet()) {
                float[] expected = mock.vectorOf(entry.getValue().getText());
                assertThat(output.get(entry.getKey()).getEmbedding().get(0)).isEqualTo(expected[0]);
                assertThat(output.get(entry.getKey()).getEmbedding().get(63)).isEqualTo(expected[63]);
            }
        }
    }

    /**
     * The provider throttles every 5th request (Retry-After: 2 s), fails every 7th with 500, answers slowly, and
     * refuses whole requests that hold an over-long input (400). Every memory still comes out exactly once with
     * its correct vector, except the poison ones, which are in the dead-letter topic with the reason; the rest of
     * their batches were embedded. Retry-After is honoured and several requests run at once.
     */
    @Test
    void underRateLimitsOutagesAndPoisonEveryMemoryIsEmbeddedOnceOrDeadLettered(StackEndpoints stack) throws Exception {
        try (OpenAiMock mock = new OpenAiMock("sk-test-789", 32)) {
            Map<String, String> env = Map.of("OPENAI_API_KEY", "sk-test-789", "MEMSHIFT_OPENAI_BASE_URL", mock.baseUrl(),
                    "MEMSHIFT_OPENAI_DIMENSIONS", "32");
            ModelProfile profile = EmbeddingModels.profile("openai:text-embedding-3-small", env);
            SchemaRegistryClient registry = new SchemaRegistryClient(stack.schemaRegistryUrl());
            String input = "openai-stress-input";
            Map<String, MemoryEvent> events = new HashMap<>();
            for (int i = 0; i < 200; i++) {
                Instant at = Instant.parse("2024-02-03T00:00:00Z");
                String text = (i % 67 == 13 ? OpenAiMock.POISON + " " : "") + "Memory under stress " + i;
                events.put("st-" + i, MemoryEvent.newBuilder().setOp(Op.UPSERT).setId("st-" + i).setText(text)
                        .setVersion(MemoryVersion.ofUpsert(at, at, text))
                        .setSource(SourceRef.newBuilder().setSystem("test").setName("stress").build()).build());
            }
            List<String> poison = events.values().stream().filter(e -> e.getText().contains(OpenAiMock.POISON))
                    .map(MemoryEvent::getId).toList();
            assertThat(poison).hasSize(3);
            publish(stack, registry, input, events.values().stream().toList());
            mock.misbehave(5, 2, 7, 150);

            ReembedderConfig config = new ReembedderConfig(KafkaSettings.of(stack.bootstrapServers()), stack.schemaRegistryUrl(),
                    profile.id(), 64, Duration.ofMillis(100), Files.createTempDirectory("stress-state-"), 5, input);
            try (Reembedder reembedder = new Reembedder(config, profile, profile.factory().get())) {
                reembedder.start();
                await().atMost(Duration.ofSeconds(150)).until(() -> reembedder.failure() != null
                        || reembedder.metrics().events() + reembedder.metrics().deadLettered() >= 200);
                assertThat(reembedder.failure()).isNull();
                assertThat(reembedder.metrics().deadLettered()).isEqualTo(3);
                assertThat(reembedder.metrics().modelRetries()).isPositive();
            }
            assertThat(mock.refused.get()).as("429s answered").isGreaterThan(1);
            assertThat(mock.serverErrors.get()).as("500s answered").isPositive();
            assertThat(mock.poisonRefusals.get()).as("400s answered").isGreaterThanOrEqualTo(3);
            assertThat(mock.maxInFlight.get()).as("requests in flight at once").isGreaterThanOrEqualTo(2);
            assertThat(mock.shortestWaitAfter429.get()).as("ms from a 429 to the next request").isGreaterThanOrEqualTo(1_900);

            Map<String, EmbeddedMemoryEvent> output = readCommitted(stack, registry, config.outputTopic());
            assertThat(output.keySet()).hasSize(197).doesNotContainAnyElementsOf(poison);
            for (EmbeddedMemoryEvent out : output.values()) {
                float[] expected = mock.vectorOf(out.getMemory().getText());
                for (int d = 0; d < expected.length; d++) {
                    assertThat(out.getEmbedding().get(d)).isEqualTo(expected[d]);
                }
            }
            Map<String, String> reasons = readDeadLetters(stack, registry, config.deadLetterTopic(), "st-");
            assertThat(reasons.keySet()).containsExactlyInAnyOrderElementsOf(poison);
            assertThat(reasons.values()).allSatisfy(reason -> assertThat(reason).contains("400")
                    .contains("maximum context length").doesNotContain("sk-test-789"));
        }
    }

    /** Memory id → the reason header, for the dead letters whose id starts with {@code prefix}. */
    private static Map<String, String> readDeadLetters(StackEndpoints stack, SchemaRegistryClient registry, String topic,
                                                       String prefix) {
        Map<String, String> reasons = new HashMap<>();
        for (ConsumerRecord<String, MemoryEvent> record : CommittedRecords.readToEnd(stack.bootstrapServers(),
                Topics.memories(topic, registry))) {
            if (record.key().startsWith(prefix)) {
                assertThat(record.value().getText()).contains(OpenAiMock.POISON);
                assertThat(Headers.text(record.headers(), Headers.DLQ_MODEL)).isEqualTo("openai:text-embedding-3-small");
                reasons.put(record.key(), Headers.text(record.headers(), Headers.DLQ_REASON));
            }
        }
        return reasons;
    }

    @Test
    void aMissingKeyIsNamedButNeverAKeysValue() {
        assertThatThrownBy(() -> EmbeddingModels.profile("openai:text-embedding-3-small", Map.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("OPENAI_API_KEY");
        assertThatThrownBy(() -> EmbeddingModels.profile("openai:my-own-model", Map.of("OPENAI_API_KEY", "sk-secret-999")))
                .hasMessageContaining("MEMSHIFT_OPENAI_DIMENSIONS").hasMessageNotContaining("sk-secret-999");
    }

    private static void publish(StackEndpoints stack, SchemaRegistryClient registry, String topic, List<MemoryEvent> events)
            throws Exception {
        KafkaClients kafka = new KafkaClients(KafkaSettings.of(stack.bootstrapServers()));
        try (Admin client = kafka.admin()) {
            Topics.ensureExists(client, new Topics.TopicSpec(topic, 2, Map.of()));
        }
        Properties props = kafka.producerConfig();
        Topic<String, MemoryEvent> memories = Topics.memories(topic, registry);
        try (KafkaProducer<String, MemoryEvent> producer = memories.producer(props)) {
            for (MemoryEvent event : events) {
                producer.send(new ProducerRecord<>(memories.name(), event.getId(), event)).get();
            }
        }
    }

    private static Map<String, EmbeddedMemoryEvent> readCommitted(StackEndpoints stack, SchemaRegistryClient registry,
                                                                  String topic) {
        Map<String, EmbeddedMemoryEvent> all = new HashMap<>();
        for (ConsumerRecord<String, EmbeddedMemoryEvent> record : CommittedRecords.readToEnd(stack.bootstrapServers(),
                Topics.embedded(topic, registry))) {
            assertThat(all.put(record.key(), record.value())).as("memory %s twice in %s", record.key(), topic).isNull();
        }
        return all;
    }
}
