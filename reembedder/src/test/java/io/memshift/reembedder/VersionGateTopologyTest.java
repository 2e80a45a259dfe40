package io.memshift.reembedder;

import static org.assertj.core.api.Assertions.assertThat;

import io.memshift.schemas.InMemorySchemaRegistry;
import io.memshift.schemas.MemoryEvent;
import io.memshift.schemas.MemoryVersion;
import io.memshift.schemas.Op;
import io.memshift.schemas.Pipeline;
import io.memshift.schemas.SourceRef;
import io.memshift.schemas.Topic;
import io.memshift.schemas.Topics;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The version gate's topology under {@link TopologyTestDriver}: no broker, an in-memory registry. */
@Tag("fast")
class VersionGateTopologyTest {

    private static final Pipeline PIPELINE = Pipeline.named("gate-test");
    private static final Instant T1 = Instant.parse("2025-01-01T00:00:00Z");
    private static final Instant T2 = Instant.parse("2025-02-01T00:00:00Z");
    private static final Instant T3 = Instant.parse("2025-03-01T00:00:00Z");

    @TempDir
    Path stateDir;

    private TopologyTestDriver driver;
    private VersionGate.Counts counts;
    private TestInputTopic<String, MemoryEvent> intake;
    private TestInputTopic<String, MemoryEvent> logIn;
    private TestOutputTopic<String, MemoryEvent> log;

    @BeforeEach
    void start() {
        InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
        Topic<String, MemoryEvent> intakeTopic = Topics.memories(PIPELINE.intake(), registry);
        Topic<String, MemoryEvent> logTopic = Topics.memories(PIPELINE.log(), registry);
        counts = new VersionGate.Counts();
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, PIPELINE.gateApplicationId());
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        driver = new TopologyTestDriver(VersionGate.topology(intakeTopic, logTopic, counts), props);
        intake = driver.createInputTopic(intakeTopic.name(), intakeTopic.keySerde().serializer(),
                intakeTopic.valueSerde().serializer());
        logIn = driver.createInputTopic(logTopic.name(), logTopic.keySerde().serializer(),
                logTopic.valueSerde().serializer());
        log = driver.createOutputTopic(logTopic.name(), logTopic.keySerde().deserializer(),
                logTopic.valueSerde().deserializer());
    }

    @AfterEach
    void close() {
        driver.close();
    }

    @Test
    void aDeleteStaysTheLastRecordOfItsMemoryWhenAnOlderCopyComesAfterIt() {
        intake.pipeInput("x", upsert("x", "first", T1));
        intake.pipeInput("x", delete("x", T3));
        intake.pipeInput("x", upsert("x", "older snapshot", T2));

        List<KeyValue<String, MemoryEvent>> written = log.readKeyValuesToList();
        assertThat(written).extracting(kv -> kv.value.getOp()).containsExactly(Op.UPSERT, Op.DELETE);
        assertThat(written.get(1).value.getVersion()).isEqualTo(MemoryVersion.ofDelete(T3));
        assertThat(counts.forwarded()).isEqualTo(2);
        assertThat(counts.stale()).isEqualTo(1);
    }

    @Test
    void eachMemorysVersionsReachTheLogInIncreasingOrderWhateverTheirIntakeOrder() {
        intake.pipeInput("a", upsert("a", "v2", T2));
        intake.pipeInput("b", upsert("b", "v1", T1));
        intake.pipeInput("a", upsert("a", "v1", T1));
        intake.pipeInput("a", upsert("a", "v3", T3));
        intake.pipeInput("b", upsert("b", "v1", T1));
        intake.pipeInput("a", upsert("a", "v3", T3));

        List<KeyValue<String, MemoryEvent>> written = log.readKeyValuesToList();
        assertThat(written).extracting(kv -> kv.key + ":" + kv.value.getText())
                .containsExactly("a:v2", "b:v1", "a:v3");
        assertThat(counts.stale()).as("an older version and two duplicates").isEqualTo(3);
    }

    @Test
    void whatTheLogAlreadyHoldsIsRememberedEvenIfTheGateNeverForwardedIt() {
        // A log written before the gate existed: a newer version is already there.
        logIn.pipeInput("legacy", delete("legacy", T3));
        assertThat(log.readKeyValuesToList()).as("reading the log forwards nothing").isEmpty();

        intake.pipeInput("legacy", upsert("legacy", "older", T2));
        assertThat(log.isEmpty()).isTrue();
        KeyValueStore<String, Long> store = driver.getKeyValueStore(VersionGate.STORE);
        assertThat(store.get("legacy")).isEqualTo(MemoryVersion.ofDelete(T3));

        intake.pipeInput("legacy", upsert("legacy", "re-created later", T3.plusSeconds(60)));
        assertThat(log.readValuesToList()).extracting(MemoryEvent::getText).containsExactly("re-created later");
    }

    private static MemoryEvent upsert(String id, String text, Instant at) {
        return MemoryEvent.newBuilder().setOp(Op.UPSERT).setId(id).setText(text).setMetadata(null)
                .setUpdatedAt(at.toString()).setUpdatedAtTs(at).setVersion(MemoryVersion.ofUpsert(at, null, text))
                .setSource(SourceRef.newBuilder().setSystem("test").setName("gate").build()).build();
    }

    private static MemoryEvent delete(String id, Instant at) {
        return MemoryEvent.newBuilder().setOp(Op.DELETE).setId(id).setText(null).setMetadata(null)
                .setUpdatedAt(at.toString()).setUpdatedAtTs(at).setVersion(MemoryVersion.ofDelete(at))
                .setSource(SourceRef.newBuilder().setSystem("test").setName("gate").build()).build();
    }
}
