package io.memshift.exporter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.memshift.clients.KafkaClients;
import io.memshift.clients.KafkaSettings;
import io.memshift.embedded.EmbeddedStackExtension;
import io.memshift.embedded.StackEndpoints;
import io.memshift.schemas.Headers;
import io.memshift.schemas.Json;
import io.memshift.schemas.MemoryEvent;
import io.memshift.schemas.Op;
import io.memshift.schemas.SchemaRegistryClient;
import io.memshift.schemas.Pipeline;
import io.memshift.schemas.Topics;
import io.memshift.schemas.testing.CommittedRecords;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(EmbeddedStackExtension.class)
class ExporterTest {

    @TempDir
    Path dir;

    private static final String GET_ALL = """
            {"results": [
              {"id": "a1", "memory": "User prefers Python", "hash": "h-a1",
               "metadata": {"source": "chat", "score": 0.750, "tags": ["x", "y"], "n": 12345678901234567890},
               "categories": ["preferences", "programming"],
               "created_at": "2024-07-20T01:03:19.545405-07:00", "updated_at": "2024-07-21T01:03:19.545405-07:00",
               "user_id": "alice", "agent_id": null, "run_id": "r1", "immutable": false, "expiration_date": null},
              {"id": "a2", "memory": "Vegetarian, allergic to nuts 🥜", "hash": "h-a2", "metadata": null,
               "created_at": "2024-07-22T10:00:00Z", "updated_at": null, "user_id": "alice"}
            ],
            "relations": [{"source": "alice", "relationship": "likes", "target": "python"}]}
            """;

    private static final String BY_USER = """
            {"bob": {"results": [
               {"id": "b1", "memory": "Lives in Lisbon", "hash": "h-b1", "created_at": "2024-01-01T00:00:00Z"}]},
             "carol": {"results": [
               {"id": "c1", "memory": "Runs marathons", "hash": "h-c1", "created_at": "2024-01-02T00:00:00Z",
                "agent_id": "coach", "user_id": "carol"}]}}
            """;

    @Test
    void publishesEveryMemoryOfBothExportShapesVerbatim(StackEndpoints stack) throws Exception {
        SchemaRegistryClient registry = new SchemaRegistryClient(stack.schemaRegistryUrl());
        Exporter exporter = new Exporter(KafkaSettings.of(stack.bootstrapServers()), registry, 3);

        ExportSummary first = exporter.export(reader("get-all.json", GET_ALL), converter("get-all.json"), ExportProgress.NONE);
        ExportSummary second = exporter.export(reader("by-user.json", BY_USER), converter("by-user.json"), ExportProgress.NONE);

        assertThat(first.published()).isEqualTo(2);
        assertThat(second.published()).isEqualTo(2);
        Map<String, MemoryEvent> topic = readAll(stack, registry);
        MemoryEvent a1 = topic.get("a1");
        assertThat(a1.getOp()).isEqualTo(Op.UPSERT);
        assertThat(a1.getText()).isEqualTo("User prefers Python");
        assertThat(a1.getHash()).isEqualTo("h-a1");
        assertThat(a1.getMetadata())
                .isEqualTo("{\"source\":\"chat\",\"score\":0.750,\"tags\":[\"x\",\"y\"],\"n\":12345678901234567890}");
        assertThat(a1.getCategories()).containsExactly("preferences", "programming");
        assertThat(a1.getCreatedAt()).isEqualTo("2024-07-20T01:03:19.545405-07:00");
        assertThat(a1.getUpdatedAtTs()).isEqualTo(java.time.Instant.parse("2024-07-21T08:03:19.545405Z"));
        assertThat(a1.getUserId()).isEqualTo("alice");
        assertThat(a1.getAgentId()).isNull();
        assertThat(a1.getRunId()).isEqualTo("r1");
        assertThat(a1.getExtras()).containsEntry("immutable", "false").containsEntry("expiration_date", "null");
        assertThat(a1.getSource().getPosition()).isEqualTo("get-all.json:2");
        assertThat(first.selected()).isEqualTo(2);
        assertThat(second.selected()).isEqualTo(2);
        assertThat(topic.get("a2").getText()).isEqualTo("Vegetarian, allergic to nuts 🥜");
        assertThat(topic.get("a2").getMetadata()).isNull();
        // In the map-of-users shape the key is the user when the memory does not name one.
        assertThat(topic.get("b1").getUserId()).isEqualTo("bob");
        assertThat(topic.get("c1").getAgentId()).isEqualTo("coach");
        assertThat(topic).doesNotContainKey("alice");
    }

    @Test
    void truncatedJsonFailsNamingTheFileAndPublishesNothing(StackEndpoints stack) throws Exception {
        String truncated = GET_ALL.substring(0, GET_ALL.indexOf("\"id\": \"a2\"") + 5);
        // The file ends inside the second memory: the error names the file's last line, as file:line:column.
        int lastLine = truncated.split("\n", -1).length;
        assertRefusedAndNothingPublished(stack, "truncated.json", truncated, "truncated.json:" + lastLine + ":",
                "malformed or truncated JSON");
    }

    @Test
    void aMemoryWithoutIdFailsNamingFileLineAndField(StackEndpoints stack) throws Exception {
        String noId = GET_ALL.replace("\"id\": \"a2\", ", "");
        assertRefusedAndNothingPublished(stack, "no-id.json", noId, "no-id.json:7: memory (no id)", "field 'id' is missing");
    }

    @Test
    void aMemoryWithoutTextFailsNamingItsId(StackEndpoints stack) throws Exception {
        String noText = GET_ALL.replace("\"memory\": \"User prefers Python\", ", "");
        assertRefusedAndNothingPublished(stack, "no-text.json", noText, "no-text.json:2: memory id=a1", "field 'memory' is missing");
    }

    @Test
    void wrongTypesAreNamedByField(StackEndpoints stack) throws Exception {
        String wrong = GET_ALL.replace("\"categories\": [\"preferences\", \"programming\"]", "\"categories\": \"food\"")
                .replace("\"created_at\": \"2024-07-22T10:00:00Z\"", "\"created_at\": \"yesterday\"");
        assertRefusedAndNothingPublished(stack, "wrong.json", wrong, "memory id=a1: field 'categories' must be a list",
                "memory id=a2: field 'created_at' is not an ISO-8601 timestamp: 'yesterday'");
    }

    @Test
    void aOneMegabyteTextAndAnEmptyTextAreRefusedByName(StackEndpoints stack) throws Exception {
        String huge = "x".repeat(1 << 20);
        String content = GET_ALL.replace("\"memory\": \"User prefers Python\"", "\"memory\": \"" + huge + "\"")
                .replace("\"id\": \"a2\", \"memory\": \"", "\"id\": \"a2\", \"memory\": \"\", \"was\": \"");
        assertRefusedAndNothingPublished(stack, "huge.json", content,
                "huge.json:2: memory id=a1: field 'memory' has 1048576 characters, over the limit of 65536",
                "memory id=a2: field 'memory' is empty");
    }

    /**
     * The same id twice with different updated_at (an export taken while the app was writing): both are
     * published, and the version, from updated_at, makes the later one win downstream whatever their order in
     * the file.
     */
    @Test
    void duplicateIdsArePublishedAndTheLaterUpdatedAtHasTheHigherVersion(StackEndpoints stack) throws Exception {
        String content = """
                {"results": [
                  {"id": "dup-1", "memory": "Newer text", "updated_at": "2025-05-02T10:00:00Z", "created_at": "2025-05-01T10:00:00Z"},
                  {"id": "dup-1", "memory": "Older text", "updated_at": "2025-05-01T12:00:00Z", "created_at": "2025-05-01T10:00:00Z"}
                ]}""";
        SchemaRegistryClient registry = new SchemaRegistryClient(stack.schemaRegistryUrl());
        String topic = "memories.duplicates";
        ExportSummary summary = new Exporter(KafkaSettings.of(stack.bootstrapServers()), registry, 3, topic)
                .export(reader("dup.json", content), converter("dup.json"), ExportProgress.NONE);
        assertThat(summary.published()).isEqualTo(2);
        // What the exporter publishes is the pipeline's intake (its version gate, not run here, feeds the log).
        List<MemoryEvent> events = readRecords(stack, registry, Pipeline.ofLog(topic).intake());
        assertThat(events).extracting(MemoryEvent::getText).containsExactly("Newer text", "Older text");
        assertThat(events.get(0).getVersion()).isGreaterThan(events.get(1).getVersion());
        assertThat(summary.selected()).as("each record counts, duplicates too").isEqualTo(2);
    }

    @Test
    void jsonLinesArePublishedAndABadLineIsNamedByItsNumber(StackEndpoints stack) throws Exception {
        SchemaRegistryClient registry = new SchemaRegistryClient(stack.schemaRegistryUrl());
        Exporter exporter = new Exporter(KafkaSettings.of(stack.bootstrapServers()), registry, 3);
        Path good = dir.resolve("memories.jsonl");
        Files.writeString(good, "{\"id\": \"j1\", \"memory\": \"Likes jazz\", \"user_id\": \"dana\"}\n\n"
                + "{\"id\": \"j2\", \"memory\": \"Plays cello\", \"user_id\": \"dana\", \"metadata\": {\"x\": 1}}\n");
        ExportSummary summary = exporter.export(new JsonLinesReader(good), new MemoryEventConverter("jsonl", "memories.jsonl",
                MemoryEventConverter.DEFAULT_MAX_TEXT_CHARS), ExportProgress.NONE);
        assertThat(summary.published()).isEqualTo(2);
        Map<String, MemoryEvent> topic = readAll(stack, registry);
        assertThat(topic.get("j2").getSource().getPosition()).isEqualTo("memories.jsonl:3");
        assertThat(topic.get("j2").getMetadata()).isEqualTo("{\"x\":1}");

        Path bad = dir.resolve("bad.jsonl");
        // Line 2 holds 0xC3 0x28: a UTF-8 lead byte followed by a byte that cannot continue it.
        Files.writeString(bad, "{\"id\": \"k1\", \"memory\": \"ok\"}\n");
        Files.write(bad, new byte[] {'{', '"', 'i', 'd', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}', '\n'},
                java.nio.file.StandardOpenOption.APPEND);
        long before = endOffsetSum(stack);
        assertThatThrownBy(() -> exporter.export(new JsonLinesReader(bad), new MemoryEventConverter("jsonl", "bad.jsonl",
                MemoryEventConverter.DEFAULT_MAX_TEXT_CHARS), ExportProgress.NONE))
                .isInstanceOf(InvalidSourceException.class).hasMessageContaining("bad.jsonl:2: not valid UTF-8");
        assertThat(endOffsetSum(stack)).isEqualTo(before);
    }

    @Test
    void skipInvalidPublishesTheValidMemoriesAndSetsTheOthersAsideWithTheReason(StackEndpoints stack) throws Exception {
        SchemaRegistryClient registry = new SchemaRegistryClient(stack.schemaRegistryUrl());
        String content = """
                {"results": [
                  {"id": "s-ok-1", "memory": "Keeps bees", "user_id": "eve"},
                  {"id": "s-bad-1", "user_id": "eve"},
                  {"id": "s-ok-2", "memory": "Sails on weekends", "user_id": "eve"},
                  {"id": "s-bad-2", "memory": "Cooks", "categories": "food"},
                  {"id": "s-bad-3", "memory": "Plans ahead", "created_at": "2300-01-01T00:00:00Z"}
                ]}
                """;
        Path rejects = dir.resolve("rejects/skip.rejects.jsonl");
        ExportOptions options = new ExportOptions(false, true, rejects, null, null, null, null);
        ExportSummary summary = new Exporter(KafkaSettings.of(stack.bootstrapServers()), registry, 3)
                .export(reader("skip.json", content), converter("skip.json"), ExportProgress.NONE, options);

        assertThat(summary.published()).isEqualTo(2);
        assertThat(summary.rejected()).isEqualTo(3);
        assertThat(summary.selected()).isEqualTo(2);
        List<String> lines = Files.readAllLines(rejects);
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0)).contains("\"position\":\"skip.json:3\"").contains("field 'memory' is missing").contains("s-bad-1");
        assertThat(lines.get(1)).contains("field 'categories' must be a list");
        assertThat(lines.get(2)).as("a time later than a version can carry is bad input, not an overflow")
                .contains("field 'created_at' is '2300-01-01T00:00:00Z', after 2262-04-11T23:47:16.854774Z");
        Map<String, String> reasons = new HashMap<>();
        for (ConsumerRecord<String, String> record : CommittedRecords.readToEnd(stack.bootstrapServers(), Topics.REJECTED,
                new StringDeserializer(), new StringDeserializer())) {
            reasons.put(record.key(), Headers.text(record.headers(), Headers.ERROR_REASON));
        }
        assertThat(reasons).containsKeys("s-bad-1", "s-bad-2", "s-bad-3");
        assertThat(reasons.get("s-bad-1")).contains("field 'memory' is missing");
        assertThat(readAll(stack, registry)).containsKeys("s-ok-1", "s-ok-2").doesNotContainKeys("s-bad-1", "s-bad-2", "s-bad-3");
    }

    @Test
    void everyUnreadableLineOfAJsonLinesFileIsToldAtOnceAndSkipInvalidSetsThemAsideAsText(StackEndpoints stack)
            throws Exception {
        SchemaRegistryClient registry = new SchemaRegistryClient(stack.schemaRegistryUrl());
        Path file = dir.resolve("messy.jsonl");
        Files.writeString(file, """
                {"id": "l-ok-1", "memory": "Grows tomatoes", "user_id": "ida"}
                {"id": "l-cut", "memory": "Half a li
                [1, 2]
                {"id": "l-ok-2", "memory": "Reads sci-fi", "user_id": "ida"}
                {"id": "l-bad", "user_id": "ida"}
                """);
        Exporter exporter = new Exporter(KafkaSettings.of(stack.bootstrapServers()), registry, 3);
        long before = endOffsetSum(stack);
        // Without --skip-invalid: refused, naming each line (it once stopped at the first malformed one).
        assertThatThrownBy(() -> exporter.export(new JsonLinesReader(file), converter("messy.jsonl"), ExportProgress.NONE))
                .isInstanceOf(InvalidSourceException.class)
                .hasMessageContaining("nothing was published")
                .hasMessageContaining("messy.jsonl:2: malformed JSON")
                .hasMessageContaining("messy.jsonl:3: expected a memory object, found ARRAY")
                .hasMessageContaining("messy.jsonl:5: memory id=l-bad: field 'memory' is missing");
        assertThat(endOffsetSum(stack)).isEqualTo(before);

        Path rejects = dir.resolve("rejects/messy.rejects.jsonl");
        ExportSummary summary = exporter.export(new JsonLinesReader(file), converter("messy.jsonl"), ExportProgress.NONE,
                new ExportOptions(false, true, rejects, null, null, null, null));
        assertThat(summary.published()).isEqualTo(2);
        assertThat(summary.rejected()).isEqualTo(3);
        List<String> lines = Files.readAllLines(rejects);
        assertThat(lines).hasSize(3);
        assertThat(Json.MAPPER.readTree(lines.get(0)).path("line").asText()).isEqualTo("{\"id\": \"l-cut\", \"memory\": \"Half a li");
        assertThat(Json.MAPPER.readTree(lines.get(1)).path("line").asText()).isEqualTo("[1, 2]");
        assertThat(lines.get(2)).contains("\"record\":{\"id\":\"l-bad\"");
        assertThat(readAll(stack, registry)).containsKeys("l-ok-1", "l-ok-2");
    }

    @Test
    void aSnapshotNeverDeletesTheMemoryOfALineItCouldNotRead(StackEndpoints stack) throws Exception {
        SchemaRegistryClient registry = new SchemaRegistryClient(stack.schemaRegistryUrl());
        String topic = "memories.unreadable-" + java.util.UUID.randomUUID().toString().substring(0, 8);
        Exporter exporter = new Exporter(KafkaSettings.of(stack.bootstrapServers()), registry, 3, topic);
        StringBuilder all = new StringBuilder();
        for (int i = 0; i < 20; i++) {
            all.append(String.format("{\"id\": \"u-%02d\", \"memory\": \"Fact %d\", \"user_id\": \"uma\"}%n", i, i));
        }
        Path first = Files.writeString(dir.resolve("snap1.jsonl"), all.toString());
        ExportOptions reconciling = new ExportOptions(false, true, dir.resolve("r.jsonl"), null, null, null, null,
                MaxDeletes.DEFAULT, false);
        exporter.export(new JsonLinesReader(first), converter("snap1.jsonl"), ExportProgress.NONE, reconciling);

        // u-00's line is cut short but still names its id; u-01 is gone from the store.
        String second = all.toString().replace("{\"id\": \"u-00\", \"memory\": \"Fact 0\", \"user_id\": \"uma\"}",
                "{\"id\": \"u-00\", \"memory\": \"Fa").replaceAll("(?m)^.*\"u-01\".*\\R", "");
        ExportSummary cut = exporter.export(new JsonLinesReader(Files.writeString(dir.resolve("snap2.jsonl"), second)),
                converter("snap2.jsonl"), ExportProgress.NONE, reconciling);
        assertThat(cut.rejected()).isEqualTo(1);
        assertThat(cut.reconciliation().deletes()).containsExactly("u-01");

        // A line with no id to make out: any memory of the log could be it, so nothing is deleted (u-02 is gone).
        String third = all.toString().replaceAll("(?m)^.*\"u-0[12]\".*\\R", "") + "\u0000 not json at all\n";
        ExportSummary unknown = exporter.export(new JsonLinesReader(Files.writeString(dir.resolve("snap3.jsonl"), third)),
                converter("snap3.jsonl"), ExportProgress.NONE, reconciling);
        assertThat(unknown.rejected()).isEqualTo(1);
        assertThat(unknown.reconciliation().deletes()).isEmpty();
    }

    @Test
    void filtersSelectByUserAgentRunAndUpdatedSince(StackEndpoints stack) throws Exception {
        String content = """
                {"results": [
                  {"id": "f-1", "memory": "One", "user_id": "fay", "agent_id": "a", "updated_at": "2024-01-01T00:00:00Z"},
                  {"id": "f-2", "memory": "Two", "user_id": "fay", "agent_id": "a", "updated_at": "2024-06-01T00:00:00Z"},
                  {"id": "f-3", "memory": "Three", "user_id": "gus", "agent_id": "a", "updated_at": "2024-06-01T00:00:00Z"},
                  {"id": "f-4", "memory": "Four", "user_id": "fay", "agent_id": "b", "created_at": "2024-07-01T00:00:00Z"}
                ]}
                """;
        ExportOptions options = new ExportOptions(false, false, null, "fay", "a", null,
                java.time.Instant.parse("2024-03-01T00:00:00Z"));
        ExportSummary summary = new Exporter(KafkaSettings.of(stack.bootstrapServers()), new SchemaRegistryClient(stack.schemaRegistryUrl()), 3)
                .export(reader("filters.json", content), converter("filters.json"), ExportProgress.NONE, options);
        assertThat(summary.published()).isEqualTo(1);
        assertThat(summary.filtered()).isEqualTo(3);
        assertThat(summary.selected()).isEqualTo(1);
    }

    private void assertRefusedAndNothingPublished(StackEndpoints stack, String name, String content, String... expected)
            throws Exception {
        SchemaRegistryClient registry = new SchemaRegistryClient(stack.schemaRegistryUrl());
        long before = endOffsetSum(stack);
        Exporter exporter = new Exporter(KafkaSettings.of(stack.bootstrapServers()), registry, 3);
        assertThatThrownBy(() -> exporter.export(reader(name, content), converter(name), ExportProgress.NONE))
                .isInstanceOf(InvalidSourceException.class)
                .hasMessageContaining("nothing was published")
                .satisfies(e -> {
                    for (String text : expected) {
                        assertThat(e.getMessage()).contains(text);
                    }
                });
        assertThat(endOffsetSum(stack)).isEqualTo(before);
    }

    private Mem0ExportReader reader(String name, String content) throws Exception {
        Path file = dir.resolve(name);
        Files.writeString(file, content, StandardCharsets.UTF_8);
        return new Mem0ExportReader(file);
    }

    private static MemoryEventConverter converter(String name) {
        return new MemoryEventConverter("mem0-json", name, MemoryEventConverter.DEFAULT_MAX_TEXT_CHARS);
    }

    private static long endOffsetSum(StackEndpoints stack) {
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerProps(stack),
                new org.apache.kafka.common.serialization.ByteArrayDeserializer(),
                new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(MEMORIES_INTAKE, Duration.ofSeconds(5)).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            return consumer.endOffsets(partitions).values().stream().mapToLong(Long::longValue).sum();
        }
    }

    /** Where an exporter of the pipeline {@code memories} publishes: the intake its version gate reads. */
    private static final String MEMORIES_INTAKE = Pipeline.named(Pipeline.LEGACY).intake();

    static Map<String, MemoryEvent> readAll(StackEndpoints stack, SchemaRegistryClient registry) {
        Map<String, MemoryEvent> latest = new HashMap<>();
        readRecords(stack, registry, MEMORIES_INTAKE).forEach(event -> latest.put(event.getId(), event));
        return latest;
    }

    /** Every committed record of {@code topic}, in partition order. */
    static List<MemoryEvent> readRecords(StackEndpoints stack, SchemaRegistryClient registry, String topic) {
        List<MemoryEvent> records = new java.util.ArrayList<>();
        for (ConsumerRecord<String, MemoryEvent> record : CommittedRecords.readToEnd(stack.bootstrapServers(),
                Topics.memories(topic, registry))) {
            assertThat(record.key()).isEqualTo(record.value().getId());
            records.add(record.value());
        }
        return records;
    }

    static Properties consumerProps(StackEndpoints stack) {
        return new KafkaClients(KafkaSettings.of(stack.bootstrapServers())).committedReaderConfig();
    }
}
