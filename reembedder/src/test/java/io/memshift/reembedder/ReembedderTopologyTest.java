package io.memshift.reembedder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.memshift.schemas.EmbeddedMemoryEvent;
import io.memshift.schemas.InMemorySchemaRegistry;
import io.memshift.schemas.MemoryEvent;
import io.memshift.schemas.MemoryVersion;
import io.memshift.schemas.Op;
import io.memshift.schemas.SourceRef;
import io.memshift.schemas.Topic;
import io.memshift.schemas.Topics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The re-embedder's topology under {@link TopologyTestDriver}: no broker, no registry server (an
 * {@link InMemorySchemaRegistry}), the real in-process model, and a wall clock that only the test moves, so a
 * batch's maximum wait is driven by punctuation, not by sleeping.
 */
@Tag("fast")
class ReembedderTopologyTest {

    private static final String MODEL = "onnx:all-minilm-l6-v2-q";
    private static final String OUTPUT = Topics.embeddedTopicName(MODEL);
    private static final Instant START = Instant.parse("2025-03-01T12:00:00Z");

    private static ModelProfile profile;
    private static dev.langchain4j.model.embedding.EmbeddingModel onnx;

    @TempDir
    Path stateDir;

    private TopologyTestDriver driver;
    private ReembedMetrics metrics;
    private TestInputTopic<String, MemoryEvent> memories;
    private TestOutputTopic<String, EmbeddedMemoryEvent> embedded;
    private TestOutputTopic<String, MemoryEvent> deadLetters;

    @BeforeAll
    static void loadModel() {
        profile = EmbeddingModels.profile(MODEL);
        onnx = profile.factory().get();
    }

    @AfterEach
    void closeDriver() {
        if (driver != null) {
            driver.close();
        }
    }

    /** The topology with this model, batch size and maximum wait, reading {@code memories}. */
    private ScriptedModel start(ModelProfile profile, ScriptedModel model, int batchSize, Duration maxWait) {
        InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
        metrics = new ReembedMetrics();
        Topic<String, MemoryEvent> input = Topics.memories(registry);
        Topic<String, EmbeddedMemoryEvent> output = Topics.embedded(OUTPUT, registry);
        Topic<String, MemoryEvent> dlq = Topics.embedDeadLetters(profile.id(), registry);
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "reembedder-topology-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        driver = new TopologyTestDriver(Reembedder.topology(registry, profile, model, batchSize, maxWait, metrics,
                input.name(), output.name()), props, START);
        memories = driver.createInputTopic(input.name(), input.keySerde().serializer(), input.valueSerde().serializer());
        embedded = driver.createOutputTopic(output.name(), output.keySerde().deserializer(),
                output.valueSerde().deserializer());
        deadLetters = driver.createOutputTopic(dlq.name(), dlq.keySerde().deserializer(), dlq.valueSerde().deserializer());
        return model;
    }

    private ScriptedModel start(int batchSize, Duration maxWait) {
        return start(profile, new ScriptedModel(onnx), batchSize, maxWait);
    }

    @Test
    void aFullBatchGoesOutInOneModelCallWithTheInputEventUnchangedPlusVectorAndFingerprint() {
        ScriptedModel model = start(4, Duration.ofHours(1));
        List<MemoryEvent> events = List.of(upsert("m-1", "User prefers Python", 1), upsert("m-2", "Lives in Lisbon", 1),
                upsert("m-3", "Vegetarian, allergic to nuts 🥜", 1));
        events.forEach(this::pipe);
        assertThat(embedded.isEmpty()).as("three of four: the batch waits").isTrue();
        assertThat(model.requests).isEmpty();

        MemoryEvent fourth = upsert("m-4", "用户喜欢喝绿茶", 1);
        pipe(fourth);

        assertThat(model.requests).hasSize(1);
        assertThat(model.requests.get(0)).containsExactlyInAnyOrder("User prefers Python", "Lives in Lisbon",
                "Vegetarian, allergic to nuts 🥜", "用户喜欢喝绿茶");
        Map<String, TestRecord<String, EmbeddedMemoryEvent>> out = byKey(embedded.readRecordsToList());
        assertThat(out).containsOnlyKeys("m-1", "m-2", "m-3", "m-4");
        List<MemoryEvent> all = new ArrayList<>(events);
        all.add(fourth);
        for (MemoryEvent in : all) {
            TestRecord<String, EmbeddedMemoryEvent> record = out.get(in.getId());
            EmbeddedMemoryEvent value = record.value();
            assertThat(value.getMemory()).as("the input event, unchanged").isEqualTo(in);
            assertThat(value.getModel()).isEqualTo(profile.fingerprint());
            assertThat(value.getModel().getDims()).isEqualTo(384);
            assertThat(value.getEmbedding()).hasSize(384);
            assertThat(Vectors.cosine(onnx.embed(in.getText()).content().vector(), value.getEmbedding()))
                    .as("vector of %s", in.getId()).isGreaterThan(0.99999);
            assertThat(value.getEmbeddedAt()).isEqualTo(START);
            assertThat(record.timestamp()).isEqualTo(START.toEpochMilli());
        }
        assertThat(metrics.events()).isEqualTo(4);
        assertThat(metrics.batches()).isEqualTo(1);
        assertThat(deadLetters.isEmpty()).isTrue();
    }

    @Test
    void aTasksFirstBatchIsSmallSoTheFirstMemoriesArriveSoonAndTheNextOnesGoInFullBatches() {
        ScriptedModel model = start(64, Duration.ofHours(1));
        for (int i = 1; i <= 100; i++) {
            pipe(upsert("f-" + i, "Fact number " + i + " about the user", 1));
        }

        assertThat(model.requests).extracting(List::size)
                .containsExactly(BatchingEmbedProcessor.FIRST_BATCH_SIZE, 64);
        assertThat(embedded.readRecordsToList()).hasSize(BatchingEmbedProcessor.FIRST_BATCH_SIZE + 64);
        assertThat(metrics.batches()).isEqualTo(2);
    }

    @Test
    void aBatchThatNeverFillsGoesOutOnceItsOldestMemoryHasWaitedTheMaximumWait() {
        ScriptedModel model = start(100, Duration.ofMillis(200));
        pipe(upsert("w-1", "Plays the cello", 1));
        driver.advanceWallClockTime(Duration.ofMillis(120));
        pipe(upsert("w-2", "Sails on weekends", 1));
        driver.advanceWallClockTime(Duration.ofMillis(60));
        assertThat(embedded.isEmpty()).as("the oldest has waited 180 ms of 200").isTrue();
        assertThat(model.requests).isEmpty();

        driver.advanceWallClockTime(Duration.ofMillis(60));

        assertThat(model.requests).hasSize(1);
        assertThat(byKey(embedded.readRecordsToList())).containsOnlyKeys("w-1", "w-2");
        // Nothing waits any more: time alone sends nothing.
        driver.advanceWallClockTime(Duration.ofSeconds(5));
        assertThat(model.requests).hasSize(1);
        assertThat(embedded.isEmpty()).isTrue();
    }

    @Test
    void aDeleteReplacesTheWaitingUpsertOfItsMemoryAndAnOlderUpsertArrivingLateIsDropped() {
        ScriptedModel model = start(3, Duration.ofHours(1));
        pipe(upsert("d-1", "Has a cat", 1));
        pipe(delete("d-1", 2));
        pipe(upsert("d-1", "Has a cat", 1)); // a late, older copy: must not bring the memory back
        pipe(upsert("d-2", "Has a dog", 1));
        pipe(upsert("d-3", "Has a parrot", 1));

        List<TestRecord<String, EmbeddedMemoryEvent>> out = embedded.readRecordsToList();
        assertThat(out).extracting(TestRecord::key).containsExactlyInAnyOrder("d-1", "d-2", "d-3");
        EmbeddedMemoryEvent d1 = byKey(out).get("d-1").value();
        assertThat(d1.getMemory().getOp()).isEqualTo(Op.DELETE);
        assertThat(d1.getEmbedding()).isNull();
        assertThat(model.requests).hasSize(1);
        assertThat(model.requests.get(0)).containsExactlyInAnyOrder("Has a dog", "Has a parrot");
        assertThat(metrics.staleDropped()).isEqualTo(1);
    }

    @Test
    void whileTheModelIsDownAnUpsertWaitsAndADeleteOfTheSameMemoryIsNeverOvertakenByIt() {
        ScriptedModel model = start(2, Duration.ofMillis(100));
        model.failure = texts -> ProviderErrors.unavailable();
        pipe(upsert("o-1", "Collects stamps", 1));
        pipe(delete("o-2", 2));

        assertThat(model.requests).as("the batch was tried").hasSize(1);
        // The delete needs no model: it goes out; the upsert waits in the store for the model.
        assertThat(embedded.readRecordsToList()).extracting(TestRecord::key).containsExactly("o-2");
        assertThat(metrics.modelRetries()).isEqualTo(1);
        // What a stalled run says of the model: type and status, never the provider's answer.
        assertThat(metrics.lastModelFailure()).isEqualTo("ProviderHttpException 503").doesNotContain("overloaded");
        assertThat(metrics.pending()).isEqualTo(1);

        pipe(delete("o-1", 3));
        model.failure = null;
        driver.advanceWallClockTime(Duration.ofSeconds(61));

        List<TestRecord<String, EmbeddedMemoryEvent>> out = embedded.readRecordsToList();
        assertThat(out).hasSize(1);
        assertThat(out.get(0).key()).isEqualTo("o-1");
        assertThat(out.get(0).value().getMemory().getOp()).as("only the delete; the upsert it replaced never leaves")
                .isEqualTo(Op.DELETE);
        assertThat(model.answered).as("nothing left to embed").isEmpty();
        assertThat(metrics.pending()).isZero();
        pipe(upsert("o-3", "Repairs clocks", 4));
        pipe(upsert("o-4", "Bakes bread", 4));
        assertThat(metrics.lastModelFailure()).as("the model answered since: the outage is over").isNull();
    }

    @Test
    void aBatchHeldBackByAnOutageGoesOutWhenTheModelIsBackWithNothingLostOrDoubled() {
        ScriptedModel model = start(5, Duration.ofMillis(100));
        model.failure = texts -> ProviderErrors.unavailable();
        List<MemoryEvent> events = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            events.add(upsert("u-" + i, "Memory during an outage " + i, 1));
        }
        events.forEach(this::pipe);
        driver.advanceWallClockTime(Duration.ofSeconds(3));
        assertThat(embedded.isEmpty()).isTrue();
        assertThat(deadLetters.isEmpty()).as("an outage is not the texts' fault").isTrue();
        assertThat(metrics.modelRetries()).isPositive();

        model.failure = null;
        driver.advanceWallClockTime(Duration.ofSeconds(61));

        Map<String, TestRecord<String, EmbeddedMemoryEvent>> out = byKey(embedded.readRecordsToList());
        assertThat(out).containsOnlyKeys("u-0", "u-1", "u-2", "u-3", "u-4");
        for (MemoryEvent event : events) {
            assertThat(out.get(event.getId()).value().getMemory()).isEqualTo(event);
        }
        assertThat(model.answered).hasSize(1);
    }

    @Test
    void anUnchangedRedeliveryMakesNoModelCallAndOneTextSharedByManyMemoriesIsEmbeddedOnce() {
        ScriptedModel model = start(4, Duration.ofHours(1));
        List<MemoryEvent> events = List.of(upsert("c-1", "Prefers tea", 1), upsert("c-2", "Prefers tea", 1),
                upsert("c-3", "Prefers coffee", 1), upsert("c-4", "Prefers tea", 1));
        events.forEach(this::pipe);
        assertThat(model.requests).hasSize(1);
        assertThat(model.requests.get(0)).containsExactlyInAnyOrder("Prefers tea", "Prefers coffee");
        Map<String, TestRecord<String, EmbeddedMemoryEvent>> first = byKey(embedded.readRecordsToList());
        assertThat(first).hasSize(4);

        events.forEach(this::pipe); // a re-run of the export: the same events again

        assertThat(model.requests).as("every vector came from the cache").hasSize(1);
        Map<String, TestRecord<String, EmbeddedMemoryEvent>> second = byKey(embedded.readRecordsToList());
        assertThat(second).hasSize(4);
        for (MemoryEvent event : events) {
            assertThat(second.get(event.getId()).value().getEmbedding())
                    .isEqualTo(first.get(event.getId()).value().getEmbedding());
        }
        assertThat(metrics.cacheHits()).isEqualTo(2);
        assertThat(metrics.embedded()).isEqualTo(2);
    }

    @Test
    void aRefusedTextGoesToTheDeadLetterTopicAsItCameWithTheReasonWhileTheRestOfItsBatchGoesOut() {
        ScriptedModel model = start(6, Duration.ofHours(1));
        List<MemoryEvent> events = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            events.add(upsert("p-" + i, (i == 4 ? ScriptedModel.POISON + " " : "") + "Memory number " + i, 1));
        }
        events.forEach(this::pipe);

        Map<String, TestRecord<String, EmbeddedMemoryEvent>> out = byKey(embedded.readRecordsToList());
        assertThat(out).containsOnlyKeys("p-0", "p-1", "p-2", "p-3", "p-5");
        List<TestRecord<String, MemoryEvent>> dead = deadLetters.readRecordsToList();
        assertThat(dead).hasSize(1);
        TestRecord<String, MemoryEvent> letter = dead.get(0);
        assertThat(letter.key()).isEqualTo("p-4");
        assertThat(letter.value()).as("as it came in").isEqualTo(events.get(4));
        assertThat(header(letter, "memshift.dlq.reason")).contains("400").contains("maximum context length");
        assertThat(header(letter, "memshift.dlq.model")).isEqualTo(MODEL);
        assertThat(metrics.deadLettered()).isEqualTo(1);
        assertThat(metrics.pending()).isZero();
        for (int i : new int[] {0, 1, 2, 3, 5}) {
            assertThat(model.timesEmbedded(events.get(i).getText())).as("text %d embedded once", i).isEqualTo(1);
        }
    }

    @Test
    void aRefusedKeyStopsTheStageNamingTheModelAndWhatToCheck() {
        ScriptedModel model = start(2, Duration.ofHours(1));
        model.failure = texts -> ProviderErrors.unauthorized();
        pipe(upsert("k-1", "One", 1));
        assertThatThrownBy(() -> pipe(upsert("k-2", "Two", 1)))
                .rootCause().isInstanceOf(ResilientEmbedder.ModelRefusedException.class)
                .hasMessageContaining(MODEL).hasMessageContaining("401").hasMessageContaining("API key");
        assertThat(embedded.isEmpty()).isTrue();
        assertThat(deadLetters.isEmpty()).as("a setup error is not the texts' fault").isTrue();
    }

    @Test
    void theModelSeesItsPrefixBeforeEachTextWhileTheEventKeepsTheTextVerbatim() {
        ModelProfile prefixed = new ModelProfile(profile.id(), profile.provider(), profile.name(), profile.revision(),
                profile.dims(), "passage: ", profile.limits(), profile.factory());
        ScriptedModel model = start(prefixed, new ScriptedModel(onnx), 1, Duration.ofHours(1));
        MemoryEvent event = upsert("x-1", "Likes jazz", 1);
        pipe(event);
        assertThat(model.requests).containsExactly(List.of("passage: Likes jazz"));
        EmbeddedMemoryEvent out = embedded.readValue();
        assertThat(out.getMemory()).isEqualTo(event);
        assertThat(out.getModel().getPrefix()).isEqualTo("passage: ");
        assertThat(Vectors.cosine(onnx.embed("passage: Likes jazz").content().vector(), out.getEmbedding()))
                .isGreaterThan(0.99999);
    }

    private void pipe(MemoryEvent event) {
        memories.pipeInput(event.getId(), event);
    }

    private static <V> Map<String, TestRecord<String, V>> byKey(List<TestRecord<String, V>> records) {
        Map<String, TestRecord<String, V>> byKey = new HashMap<>();
        for (TestRecord<String, V> record : records) {
            assertThat(byKey.put(record.key(), record)).as("memory %s came out twice", record.key()).isNull();
        }
        return byKey;
    }

    private static String header(TestRecord<?, ?> record, String name) {
        assertThat(record.headers().lastHeader(name)).as("header %s", name).isNotNull();
        return new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }

    /** An upsert stamped {@code day} days after 2024-05-01: a higher day is a later version. */
    private static MemoryEvent upsert(String id, String text, int day) {
        Instant at = Instant.parse("2024-05-01T10:00:00Z").plus(Duration.ofDays(day));
        return MemoryEvent.newBuilder().setOp(Op.UPSERT).setId(id).setText(text).setHash("h-" + id)
                .setUserId("alice").setMetadata("{\"n\":1.50}").setCategories(List.of("test"))
                .setCreatedAt(at.toString()).setCreatedAtTs(at).setUpdatedAt(at.toString()).setUpdatedAtTs(at)
                .setVersion(MemoryVersion.ofUpsert(at, at, text))
                .setSource(SourceRef.newBuilder().setSystem("test").setName("topology").setPosition("t:" + id).build())
                .setExtras(Map.of("immutable", "false")).build();
    }

    private static MemoryEvent delete(String id, int day) {
        Instant at = Instant.parse("2024-05-01T10:00:00Z").plus(Duration.ofDays(day));
        return MemoryEvent.newBuilder().setOp(Op.DELETE).setId(id).setVersion(MemoryVersion.ofDelete(at))
                .setSource(SourceRef.newBuilder().setSystem("test").setName("topology").build()).build();
    }
}
