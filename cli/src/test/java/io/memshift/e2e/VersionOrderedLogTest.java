package io.memshift.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.memshift.clients.KafkaClients;
import io.memshift.clients.KafkaSettings;
import io.memshift.embedded.EmbeddedStackExtension;
import io.memshift.embedded.StackEndpoints;
import io.memshift.exporter.MemoryEventPublisher;
import io.memshift.schemas.MemoryEvent;
import io.memshift.schemas.MemoryVersion;
import io.memshift.schemas.Pipeline;
import io.memshift.schemas.SchemaRegistryClient;
import io.memshift.schemas.Topics;
import io.memshift.schemas.testing.CommittedRecords;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hard order for a compacted log: an export (memory X at t1), a live delete of X (t3), then an older snapshot
 * exported again (X at t2 &lt; t3). Without the version gate, compaction keeps X at t2, the last record of its key,
 * and a replay brings every deleted memory back. Through the gate, the log never holds the older copy after the
 * delete: after a forced compaction, a replay into a new index keeps all of them deleted.
 */
@ExtendWith(EmbeddedStackExtension.class)
class VersionOrderedLogTest {

    private static final String MODEL = "onnx:all-minilm-l6-v2-q";
    private static final Instant T1 = Instant.parse("2025-02-01T10:00:00Z");
    private static final Instant T2 = Instant.parse("2025-02-02T10:00:00Z");
    private static final Instant T3 = Instant.parse("2025-02-03T10:00:00Z");

    @TempDir
    Path dir;

    @Test
    void deletedMemoriesStayDeletedInAReplayAfterCompaction(StackEndpoints stack) throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 6);
        Pipeline pipeline = Pipeline.named("compaction-" + run);
        KafkaSettings kafka = KafkaSettings.of(stack.bootstrapServers());
        SchemaRegistryClient registry = new SchemaRegistryClient(stack.schemaRegistryUrl());
        // The log compacts as eagerly as Kafka allows: a segment per 100 ms, cleaned at 1% dirty.
        try (Admin admin = new KafkaClients(kafka).admin()) {
            admin.createTopics(List.of(
                    new NewTopic(pipeline.log(), 3, (short) 1).configs(Map.of(
                            TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT,
                            TopicConfig.SEGMENT_MS_CONFIG, "100",
                            TopicConfig.MIN_CLEANABLE_DIRTY_RATIO_CONFIG, "0.01",
                            TopicConfig.DELETE_RETENTION_MS_CONFIG, "100",
                            TopicConfig.MIN_COMPACTION_LAG_MS_CONFIG, "0")),
                    new NewTopic(pipeline.intake(), 3, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
        List<String> doomed = Stores.ids("gone-" + run, 20);
        List<String> kept = Stores.ids("kept-" + run, 5);
        List<String> all = new ArrayList<>(doomed);
        all.addAll(kept);

        // t1: the store exported.
        Path store = Stores.write(dir.resolve(pipeline.name() + ".jsonl"), all, T1);
        export(stack, "--source", "jsonl:" + store);
        // t3: the app deletes 20 memories; the deletes arrive live.
        try (MemoryEventPublisher live = new MemoryEventPublisher(kafka, registry, pipeline, "app")) {
            for (String id : doomed) {
                live.delete(id, T3).get(30, TimeUnit.SECONDS);
            }
        }
        // Then an older snapshot (t2 < t3) of the same store is exported again, after the deletes.
        Path older = Stores.write(dir.resolve("older").resolve(pipeline.name() + ".jsonl"), all, T2);
        export(stack, "--source", "jsonl:" + older, "--pipeline", pipeline.name());

        // The intake holds the hard order: for each doomed memory t1, the delete at t3, then t2.
        Map<String, List<MemoryEvent>> intake = eventsByKey(stack, registry, pipeline.intake());
        for (String id : doomed) {
            assertThat(intake.get(id)).as(id).extracting(e -> e.getOp() + "@" + e.getUpdatedAtTs())
                    .containsExactly("UPSERT@" + T1, "DELETE@" + T3, "UPSERT@" + T2);
        }

        // The live generation (re-embedded before compaction) is right.
        reembed(stack, pipeline, "--until-caught-up");
        String liveIndex = "live-" + pipeline.name();
        importInto(stack, pipeline, pipeline.embedded(MODEL, 1), liveIndex);
        assertThat(IndexContents.liveIds(stack, liveIndex)).isEqualTo(new TreeSet<>(kept));

        // One more record rolls the last segment, so that everything before it can be cleaned.
        Path filler = Stores.write(dir.resolve("filler.jsonl"), List.of("filler-" + run), T3);
        export(stack, "--source", "jsonl:" + filler, "--pipeline", pipeline.name(), "--no-reconcile");
        long deadline = System.currentTimeMillis() + 180_000;
        Map<String, List<Long>> logVersions = versionsByKey(stack, registry, pipeline.log());
        while (doomed.stream().anyMatch(id -> logVersions.get(id).size() > 1) && System.currentTimeMillis() < deadline) {
            Thread.sleep(2_000);
            logVersions.clear();
            logVersions.putAll(versionsByKey(stack, registry, pipeline.log()));
        }
        // Compaction ran: each doomed memory has one record left, and it is the delete.
        for (String id : doomed) {
            assertThat(logVersions.get(id)).as("compacted log of " + id).containsExactly(MemoryVersion.ofDelete(T3));
        }

        // The replay re-reads the compacted log into a new generation and a new index.
        reembed(stack, pipeline, "--replay", "--until-caught-up");
        String replayIndex = "replay-" + pipeline.name();
        importInto(stack, pipeline, pipeline.embedded(MODEL, 2), replayIndex);
        Set<String> expectedLive = new TreeSet<>(kept);
        expectedLive.add("filler-" + run);
        assertThat(IndexContents.liveIds(stack, replayIndex)).as("no deleted memory came back").isEqualTo(expectedLive);
        assertThat(IndexContents.deletedIds(stack, replayIndex)).isEqualTo(new TreeSet<>(doomed));
    }

    private static Map<String, List<MemoryEvent>> eventsByKey(StackEndpoints stack, SchemaRegistryClient registry,
                                                               String topic) {
        Map<String, List<MemoryEvent>> events = new HashMap<>();
        for (ConsumerRecord<String, MemoryEvent> record : CommittedRecords.readToEnd(stack.bootstrapServers(),
                Topics.memories(topic, registry))) {
            events.computeIfAbsent(record.key(), k -> new ArrayList<>()).add(record.value());
        }
        return events;
    }

    private static Map<String, List<Long>> versionsByKey(StackEndpoints stack, SchemaRegistryClient registry,
                                                         String topic) {
        Map<String, List<Long>> versions = new HashMap<>();
        for (ConsumerRecord<String, MemoryEvent> record : CommittedRecords.readToEnd(stack.bootstrapServers(),
                Topics.memories(topic, registry))) {
            versions.computeIfAbsent(record.key(), k -> new ArrayList<>()).add(record.value().getVersion());
        }
        return versions;
    }

    private void export(StackEndpoints stack, String... args) {
        List<String> all = new ArrayList<>(List.of("export"));
        all.addAll(List.of(args));
        all.addAll(endpoints(stack));
        Cli.Result result = Cli.run(all.toArray(String[]::new));
        assertThat(result.exitCode()).as(result.out() + result.err()).isZero();
    }

    private void reembed(StackEndpoints stack, Pipeline pipeline, String... args) {
        List<String> all = new ArrayList<>(List.of("reembed", "--model", MODEL, "--pipeline", pipeline.name()));
        all.addAll(List.of(args));
        all.addAll(endpoints(stack));
        Cli.Result result = Cli.run(all.toArray(String[]::new));
        assertThat(result.exitCode()).as(result.out() + result.err()).isZero();
    }

    private void importInto(StackEndpoints stack, Pipeline pipeline, String topic, String index) {
        List<String> all = new ArrayList<>(List.of("import", "--model", MODEL, "--pipeline", pipeline.name(),
                "--topic", topic, "--index", index, "--until-caught-up"));
        all.addAll(endpoints(stack));
        Cli.Result result = Cli.run(all.toArray(String[]::new));
        assertThat(result.exitCode()).as(result.out() + result.err()).isZero();
    }

    private List<String> endpoints(StackEndpoints stack) {
        return List.of("--bootstrap-servers", stack.bootstrapServers(), "--schema-registry", stack.schemaRegistryUrl(),
                "--es", stack.elasticsearchUrl(), "--data-dir", dir.resolve("data").toString());
    }
}
