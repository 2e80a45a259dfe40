package io.memshift.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import io.memshift.embedded.EmbeddedStackExtension;
import io.memshift.embedded.StackEndpoints;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.TreeMap;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * plan counts the model's own tokens over the sample and publishes nothing; search finds a sample memory by its own
 * text at rank 1, of its user, never a deleted one, and side by side with an index of another model.
 */
@ExtendWith(EmbeddedStackExtension.class)
class PlanSearchTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path dataDir;

    /** The sample's memories: id → the memory object. */
    private static Map<String, JsonNode> sample() throws Exception {
        Map<String, JsonNode> memories = new TreeMap<>();
        for (JsonNode memory : JSON.readTree(Files.readString(Cli.sample())).get("results")) {
            memories.put(memory.get("id").asText(), memory);
        }
        return memories;
    }

    @Test
    void planCountsTheModelsOwnTokensAndPublishesNothing(StackEndpoints stack) throws Exception {
        Map<String, JsonNode> sample = sample();
        Map<String, Long> before = endOffsets(stack);

        // e5 reads every memory as "passage: <text>": the count is its tokenizer's over exactly that.
        JsonNode e5 = plan("onnx:e5-small-v2-q");
        long e5Expected = 0;
        try (InputStream in = getClass().getClassLoader().getResourceAsStream("e5-small-v2-q-tokenizer.json")) {
            HuggingFaceTokenizer tokenizer = HuggingFaceTokenizer.newInstance(in, Map.of("padding", "false"));
            for (JsonNode memory : sample.values()) {
                e5Expected += tokenizer.encode("passage: " + memory.get("memory").asText()).getIds().length;
            }
        }
        assertThat(e5.get("memories").asLong()).isEqualTo(sample.size());
        assertThat(e5.get("tokens").get("exact").asBoolean()).isTrue();
        assertThat(e5.get("tokens").get("total").asLong()).isEqualTo(e5Expected);
        assertThat(e5.get("cost").get("usd").asDouble()).isZero();
        long users = sample.values().stream().map(m -> m.get("user_id").asText()).distinct().count();
        assertThat(e5.get("users")).hasSize((int) users);

        // OpenAI's model: its own tokenizer (cl100k_base), no key needed; the documented estimate, one token per 4
        // bytes of UTF-8, which memshift uses for models whose tokenizer it lacks, lies within a quarter of it.
        JsonNode openAi = plan("openai:text-embedding-3-small");
        Encoding cl100k = Encodings.newDefaultEncodingRegistry().getEncoding(EncodingType.CL100K_BASE);
        long exact = 0;
        long estimate = 0;
        for (JsonNode memory : sample.values()) {
            String text = memory.get("memory").asText();
            exact += cl100k.countTokensOrdinary(text);
            estimate += (text.getBytes(StandardCharsets.UTF_8).length + 3) / 4;
        }
        assertThat(openAi.get("tokens").get("total").asLong()).isEqualTo(exact);
        assertThat((double) estimate).isBetween(0.75 * exact, 1.25 * exact);
        assertThat(openAi.get("cost").get("usd").asDouble()).isEqualTo(exact * 0.02 / 1e6);
        assertThat(openAi.get("time").get("basis").asText()).isEqualTo("rate-limits");
        assertThat(openAi.get("index").get("dims").asInt()).isEqualTo(1536);

        // A model memshift has no tokenizer for: the estimate, said to be one.
        JsonNode gemini = plan("gemini:gemini-embedding-001");
        assertThat(gemini.get("tokens").get("exact").asBoolean()).isFalse();
        assertThat(gemini.get("tokens").get("total").asLong()).isEqualTo(estimate);

        Cli.Result text = Cli.run("plan", "--source", "mem0-json:" + Cli.sample(), "--model", "onnx:bge-small-en-v15-q",
                "--speed-sample", "16");
        assertThat(text.exitCode()).as(text.err()).isZero();
        assertThat(text.out()).contains("nothing was published", "memories   540", "(exact)", "cost       $0.00",
                "measured here: 16 of the source's texts", "index      about");

        assertThat(endOffsets(stack)).as("no topic and no record appeared").isEqualTo(before);
    }

    private static JsonNode plan(String model) throws Exception {
        Cli.Result result = Cli.run("plan", "--source", "mem0-json:" + Cli.sample(), "--model", model, "--json",
                "--speed-sample", "0");
        assertThat(result.exitCode()).as(result.err()).isZero();
        return JSON.readTree(result.out());
    }

    @Test
    void searchFindsASampleMemoryByItsOwnTextAtRankOne(StackEndpoints stack) throws Exception {
        Map<String, JsonNode> sample = sample();
        // The memshift layout here (tombstones, checked below); the second index, in the default mem0 layout, is
        // searched side by side with it.
        Cli.Result migrated = Cli.migrate(stack, dataDir, "--source", "mem0-json:" + Cli.sample(),
                "--model", "onnx:all-minilm-l6-v2-q", "--index", "search-a", "--alias", "search-alias",
                "--layout", "memshift");
        assertThat(migrated.exitCode()).as(migrated.out() + migrated.err()).isZero();

        List<String> ids = new ArrayList<>(sample.keySet());
        Collections.shuffle(ids, new Random(5));
        for (String id : ids.subList(0, 5)) {
            JsonNode memory = sample.get(id);
            JsonNode result = search(stack, memory.get("memory").asText(), "--alias", "search-alias");
            JsonNode first = result.get("hits").get("hits").get(0);
            assertThat(first.get("rank").asInt()).isEqualTo(1);
            assertThat(first.get("id").asText()).as(memory.get("memory").asText()).isEqualTo(id);
            assertThat(first.get("text").asText()).isEqualTo(memory.get("memory").asText());
            assertThat(result.get("hits").get("index").asText()).isEqualTo("search-a");
            assertThat(result.get("hits").get("model").asText()).isEqualTo("onnx:all-minilm-l6-v2-q");
            assertThat(result.get("hits").get("hits")).hasSize(10);

            String user = memory.get("user_id").asText();
            JsonNode own = search(stack, memory.get("memory").asText(), "--alias", "search-alias", "--user", user, "--k", "5");
            assertThat(own.get("hits").get("hits").get(0).get("id").asText()).isEqualTo(id);
            assertThat(own.get("hits").get("hits")).hasSize(5)
                    .allSatisfy(hit -> assertThat(hit.get("user").asText()).isEqualTo(user));
        }

        // A deleted memory (a tombstone) is never found, even searching the index by name, past the alias's filter.
        String deleted = ids.get(0);
        send(stack, "POST", "/search-a/_update/" + deleted + "?refresh=true", "{\"doc\": {\"deleted\": true}}");
        JsonNode afterDelete = search(stack, sample.get(deleted).get("memory").asText(), "--index", "search-a");
        assertThat(afterDelete.get("hits").get("hits")).extracting(hit -> hit.get("id").asText()).doesNotContain(deleted);

        // Side by side with an index of another model, each query embedded with its index's own model.
        Cli.Result second = Cli.migrate(stack, dataDir, "--source", "mem0-json:" + Cli.sample(),
                "--model", "onnx:bge-small-en-v15-q", "--index", "search-b", "--no-cutover");
        assertThat(second.exitCode()).as(second.out() + second.err()).isZero();
        String id = ids.get(1);
        String query = sample.get(id).get("memory").asText();
        JsonNode both = search(stack, query, "--index", "search-b", "--compare", "search-alias");
        assertThat(both.get("hits").get("model").asText()).isEqualTo("onnx:bge-small-en-v15-q");
        assertThat(both.get("compared").get("model").asText()).isEqualTo("onnx:all-minilm-l6-v2-q");
        assertThat(both.get("compared").get("index").asText()).isEqualTo("search-a");
        assertThat(both.get("hits").get("hits").get(0).get("id").asText()).isEqualTo(id);
        assertThat(both.get("compared").get("hits").get(0).get("id").asText()).isEqualTo(id);
        Cli.Result table = Cli.run("search", query, "--index", "search-b", "--compare", "search-alias",
                "--es", stack.elasticsearchUrl());
        assertThat(table.exitCode()).as(table.err()).isZero();
        assertThat(table.out()).contains("search-b (onnx:bge-small-en-v15-q)",
                "search-alias -> search-a (onnx:all-minilm-l6-v2-q)", "in both: ");
    }

    @Test
    void searchSaysWhenAnIndexsModelCannotRunHere(StackEndpoints stack) throws Exception {
        assumeTrue(System.getenv("OPENAI_API_KEY") == null, "OPENAI_API_KEY is set here");
        send(stack, "PUT", "/search-openai", "{\"mappings\": {\"properties\": {\"embedding\": {\"type\": \"dense_vector\","
                + " \"dims\": 3}}}}");
        send(stack, "PUT", "/search-openai/_doc/m1?refresh=true", "{\"text\": \"x\", \"embedding\": [1, 0, 0],"
                + " \"model\": {\"provider\": \"openai\", \"name\": \"text-embedding-3-small\", \"dims\": 1536}}");
        Cli.Result result = Cli.run("search", "anything", "--index", "search-openai", "--es", stack.elasticsearchUrl());
        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).contains("index search-openai was embedded with openai:text-embedding-3-small,"
                + " which memshift cannot run here", "OPENAI_API_KEY");

        Cli.Result missing = Cli.run("search", "anything", "--index", "search-nowhere", "--es", stack.elasticsearchUrl());
        assertThat(missing.exitCode()).isEqualTo(2);
        assertThat(missing.err()).contains("no index or alias search-nowhere");
    }

    private static JsonNode search(StackEndpoints stack, String query, String... more) throws Exception {
        List<String> args = new ArrayList<>(List.of("search", query, "--json", "--es", stack.elasticsearchUrl()));
        args.addAll(List.of(more));
        Cli.Result result = Cli.run(args.toArray(String[]::new));
        assertThat(result.exitCode()).as(result.err()).isZero();
        return JSON.readTree(result.out());
    }

    /** Every topic's partitions and their end offsets: what a publish would change. */
    private static Map<String, Long> endOffsets(StackEndpoints stack) throws Exception {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        try (Admin admin = Admin.create(props)) {
            Map<TopicPartition, OffsetSpec> latest = new java.util.HashMap<>();
            for (TopicDescription topic : admin.describeTopics(admin.listTopics().names().get()).allTopicNames().get().values()) {
                topic.partitions().forEach(p -> latest.put(new TopicPartition(topic.name(), p.partition()), OffsetSpec.latest()));
            }
            Map<String, Long> offsets = new TreeMap<>();
            admin.listOffsets(latest).all().get().forEach((tp, info) -> offsets.put(tp.toString(), info.offset()));
            return offsets;
        }
    }

    private static void send(StackEndpoints stack, String method, String path, String body) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(stack.elasticsearchUrl() + path))
                .header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isBetween(200, 299);
    }
}
