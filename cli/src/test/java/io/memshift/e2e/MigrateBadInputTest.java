package io.memshift.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.memshift.clients.KafkaClients;
import io.memshift.clients.KafkaSettings;
import io.memshift.embedded.EmbeddedStackExtension;
import io.memshift.embedded.StackEndpoints;
import io.memshift.schemas.Pipeline;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** A malformed export fails with a message naming the file and record, and publishes nothing. */
@ExtendWith(EmbeddedStackExtension.class)
class MigrateBadInputTest {

    @TempDir
    Path dir;

    @Test
    void truncatedExportIsRefusedNamingTheFile(StackEndpoints stack) throws Exception {
        String sample = Files.readString(Cli.sample(), StandardCharsets.UTF_8);
        Path truncated = dir.resolve("truncated-export.json");
        String half = sample.substring(0, sample.length() / 2);
        Files.writeString(truncated, half, StandardCharsets.UTF_8);

        // The file ends inside a memory: the error names the file's last line, as file:line:column.
        assertRefused(stack, truncated, "truncated-export.json:" + half.split("\n", -1).length + ":", "malformed or truncated JSON");
    }

    @Test
    void memoriesWithoutIdOrTextAreRefusedNamingEachRecord(StackEndpoints stack) throws Exception {
        String bad = """
                {"results": [
                  {"id": "ok-1", "memory": "Fine memory", "user_id": "u"},
                  {"memory": "No id here", "user_id": "u"},
                  {"id": "no-text", "user_id": "u"}
                ]}
                """;
        Path file = dir.resolve("bad-records.json");
        Files.writeString(file, bad, StandardCharsets.UTF_8);

        assertRefused(stack, file, "bad-records.json:3: memory (no id): field 'id' is missing",
                "bad-records.json:4: memory id=no-text: field 'memory' is missing", "nothing was published");
    }

    @Test
    void anUnknownModelIsABadInputListingTheKnownOnes(StackEndpoints stack) {
        Cli.Result result = Cli.migrate(stack, dir, "--source", "mem0-json:" + Cli.sample(), "--model", "onnx:nope");
        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).contains("unknown model 'onnx:nope'").contains("onnx:bge-small-en-v15");
    }

    @Test
    void memoriesElasticsearchRefusesFailTheRunNamingThemAndTheAliasStays(StackEndpoints stack) throws Exception {
        // Valid input, but Elasticsearch cannot map an empty field name: that memory is refused for good at the index.
        String export = """
                {"results": [
                  {"id": "fine-1", "memory": "Likes tea", "user_id": "u", "metadata": {"k": "v"}},
                  {"id": "empty-key", "memory": "Likes coffee", "user_id": "u", "metadata": {"": "nameless"}}
                ]}
                """;
        Path file = dir.resolve("index-refuses.json");
        Files.writeString(file, export, StandardCharsets.UTF_8);
        Cli.Result result = Cli.migrate(stack, dir.resolve("data"), "--source", "mem0-json:" + file,
                "--model", "stub:16", "--index", "index-refuses-1", "--alias", "index-refuses");

        assertThat(result.exitCode()).as(result.out() + result.err()).isEqualTo(1);
        assertThat(result.err()).contains("1 memories did not arrive: Elasticsearch refused them for good")
                .contains("memories.import-dlq.index-refuses-1").contains("The alias was not moved")
                .contains("empty-key (400): ");
        assertThat(result.out()).doesNotContain("Every exported memory is in the index");
        try (co.elastic.clients.elasticsearch.ElasticsearchClient es =
                     io.memshift.clients.ElasticsearchClients.connect(stack.elasticsearchUrl())) {
            assertThat(es.indices().existsAlias(a -> a.name("index-refuses")).value()).isFalse();
            es.indices().refresh(r -> r.index("index-refuses-1"));
            assertThat(es.count(c -> c.index("index-refuses-1")).count()).isEqualTo(1); // the other one is in
        }
    }

    @Test
    void aSourceWithNoMemoriesNeverEmptiesTheAliasOfAnotherIndex(StackEndpoints stack) throws Exception {
        Path served = dir.resolve("served-store.json");
        Files.writeString(served, "[{\"id\": \"kept-1\", \"memory\": \"Likes tea\", \"user_id\": \"u\"}]",
                StandardCharsets.UTF_8);
        Cli.Result first = Cli.migrate(stack, dir.resolve("data"), "--source", "mem0-json:" + served,
                "--model", "stub:16", "--index", "served-store-1", "--alias", "served-store");
        assertThat(first.exitCode()).as(first.out() + first.err()).isZero();

        Path empty = dir.resolve("empty-store.json");
        Files.writeString(empty, "[]", StandardCharsets.UTF_8);
        Cli.Result result = Cli.migrate(stack, dir.resolve("data"), "--source", "mem0-json:" + empty,
                "--model", "stub:16", "--index", "empty-store-1", "--alias", "served-store");

        assertThat(result.exitCode()).as(result.out() + result.err()).isEqualTo(1);
        assertThat(result.err()).contains("the new index empty-store-1 holds no memories")
                .contains("alias served-store serves 1").contains("the alias was not moved")
                .contains("memshift cutover --alias served-store --index empty-store-1");
        try (co.elastic.clients.elasticsearch.ElasticsearchClient es =
                     io.memshift.clients.ElasticsearchClients.connect(stack.elasticsearchUrl())) {
            assertThat(es.indices().getAlias(a -> a.name("served-store")).result()).containsOnlyKeys("served-store-1");
        }
    }

    private void assertRefused(StackEndpoints stack, Path file, String... expected) {
        // The file's own pipeline: its intake (what the export publishes) and its log.
        String name = file.getFileName().toString();
        Pipeline pipeline = Pipeline.named(Pipeline.slug(name.substring(0, name.lastIndexOf('.'))));
        long before = publishedCount(stack, pipeline.intake()) + publishedCount(stack, pipeline.log());
        Cli.Result result = Cli.migrate(stack, dir.resolve("data"), "--source", "mem0-json:" + file,
                "--model", "onnx:all-minilm-l6-v2-q");
        assertThat(result.exitCode()).isEqualTo(2);
        for (String text : expected) {
            assertThat(result.err()).contains(text);
        }
        assertThat(publishedCount(stack, pipeline.intake()) + publishedCount(stack, pipeline.log())).isEqualTo(before);
    }

    private static long publishedCount(StackEndpoints stack, String topic) {
        Properties props = new KafkaClients(KafkaSettings.of(stack.bootstrapServers())).consumerConfig();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<PartitionInfo> partitions = consumer.listTopics(Duration.ofSeconds(10)).get(topic);
            if (partitions == null) {
                return 0;
            }
            return consumer.endOffsets(partitions.stream().map(p -> new TopicPartition(p.topic(), p.partition())).toList())
                    .values().stream().mapToLong(Long::longValue).sum();
        }
    }
}
