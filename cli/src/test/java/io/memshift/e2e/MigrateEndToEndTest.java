package io.memshift.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import dev.langchain4j.model.embedding.EmbeddingModel;
import io.memshift.embedded.EmbeddedStackExtension;
import io.memshift.embedded.StackEndpoints;
import io.memshift.reembedder.EmbeddingModels;
import io.memshift.reembedder.Vectors;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole pipeline on the real servers: sample export → Kafka → Kafka Streams → Elasticsearch → alias, in the
 * default mem0 layout: each memory where Mem0's own Elasticsearch store reads it.
 */
@ExtendWith(EmbeddedStackExtension.class)
class MigrateEndToEndTest {

    private static final String MODEL = "onnx:bge-small-en-v15";
    private static final String INDEX = "memories.mem0-export.onnx-bge-small-en-v15-1";
    /** Exact decimals both sides, so 0.750 and 0.75 count as different: metadata must be kept exactly. */
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .configure(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES, false);
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path dataDir;

    @Test
    void sampleExportArrivesVerbatimWithTheNewModelsVectorsAndAgainChangesNothing(StackEndpoints stack) throws Exception {
        Map<String, JsonNode> source = new HashMap<>();
        for (JsonNode memory : JSON.readTree(Files.readString(Cli.sample())).get("results")) {
            source.put(memory.get("id").asText(), memory);
        }

        Cli.Result first = Cli.migrate(stack, dataDir, "--source", "mem0-json:" + Cli.sample(), "--model", MODEL);

        assertThat(first.exitCode()).as(first.out() + first.err()).isZero();
        assertThat(first.out()).contains("Migration summary").contains("failed        0");
        JsonNode aliases = get(stack, "/_alias/memories");
        assertThat(iterable(aliases.fieldNames())).containsExactly(INDEX);
        assertThat(get(stack, "/memories/_count").get("count").asLong()).isEqualTo(source.size());

        Map<String, JsonNode> docs = allDocuments(stack, "memories");
        assertThat(docs.keySet()).isEqualTo(source.keySet());
        EmbeddingModel model = EmbeddingModels.profile(MODEL).factory().get();
        for (Map.Entry<String, JsonNode> entry : source.entrySet()) {
            JsonNode expected = entry.getValue();
            JsonNode doc = docs.get(entry.getKey()).get("_source");
            String id = entry.getKey();
            // Mem0's payload, as its Python library writes it: the text as data, hash, scope ids, role, actor,
            // timestamps, categories and the custom metadata keys flat, exact decimals and all.
            JsonNode payload = doc.get("metadata");
            List<String> keys = new ArrayList<>();
            assertThat(payload.get("data").asText()).as(id).isEqualTo(expected.get("memory").asText());
            keys.add("data");
            for (String field : new String[] {"hash", "user_id", "agent_id", "run_id", "actor_id", "role", "created_at",
                    "updated_at", "categories", "immutable"}) {
                assertThat(payload.get(field)).as(id + " " + field).isEqualTo(expected.get(field) == null
                        || expected.get(field).isNull() ? null : expected.get(field));
                if (payload.has(field)) {
                    keys.add(field);
                }
            }
            expected.path("metadata").fields().forEachRemaining(custom -> {
                assertThat(payload.get(custom.getKey())).as(id + " metadata " + custom.getKey()).isEqualTo(custom.getValue());
                keys.add(custom.getKey());
            });
            assertThat(iterable(payload.fieldNames())).as(id + " payload keys").containsExactlyInAnyOrderElementsOf(keys);
            assertThat(doc.get("memshift").get("model").get("name").asText()).isEqualTo("bge-small-en-v15");
            float[] vector = model.embed(expected.get("memory").asText()).content().vector();
            assertThat(Vectors.cosine(vector, JSON.convertValue(doc.get("vector"), float[].class))).as(id).isGreaterThanOrEqualTo(0.99999);
        }
        // Mem0's get is a GET by id through the alias: the text comes back verbatim.
        String some = source.keySet().iterator().next();
        assertThat(get(stack, "/memories/_doc/" + some).get("_source").get("metadata").get("data").asText())
                .isEqualTo(source.get(some).get("memory").asText());
        // Mem0's getAll for a user is a term filter on metadata.user_id, a keyword.
        long carols = source.values().stream().filter(m -> "carol".equals(m.path("user_id").asText())).count();
        assertThat(post(stack, "/memories/_count", "{\"query\":{\"bool\":{\"must\":[{\"term\":{\"metadata.user_id\":"
                + "\"carol\"}}]}}}").get("count").asLong()).isEqualTo(carols).isPositive();

        // A memory's own text as the query finds that memory first.
        List<String> ids = new ArrayList<>(source.keySet());
        for (int i = 0; i < ids.size(); i += 23) {
            String id = ids.get(i);
            float[] query = model.embed(source.get(id).get("memory").asText()).content().vector();
            assertThat(knnTop(stack, query)).as("kNN for " + id).isEqualTo(id);
        }

        Map<String, Long> versionsBefore = versions(docs);
        Cli.Result second = Cli.migrate(stack, dataDir, "--source", "mem0-json:" + Cli.sample(), "--model", MODEL);
        assertThat(second.exitCode()).as(second.out() + second.err()).isZero();
        Map<String, JsonNode> docsAfter = allDocuments(stack, "memories");
        assertThat(versions(docsAfter)).isEqualTo(versionsBefore);
        assertThat(get(stack, "/memories/_count").get("count").asLong()).isEqualTo(source.size());
        for (String id : ids) {
            assertThat(docsAfter.get(id).get("_source")).isEqualTo(docs.get(id).get("_source"));
        }
    }

    private static Map<String, Long> versions(Map<String, JsonNode> docs) {
        Map<String, Long> versions = new HashMap<>();
        docs.forEach((id, hit) -> versions.put(id, hit.get("_version").asLong()));
        return versions;
    }

    private static Map<String, JsonNode> allDocuments(StackEndpoints stack, String index) throws Exception {
        post(stack, "/" + index + "/_refresh", "");
        JsonNode hits = post(stack, "/" + index + "/_search", "{\"size\": 10000, \"version\": true, \"query\": {\"match_all\": {}}}")
                .get("hits").get("hits");
        Map<String, JsonNode> docs = new HashMap<>();
        hits.forEach(hit -> docs.put(hit.get("_id").asText(), hit));
        return docs;
    }

    private static String knnTop(StackEndpoints stack, float[] query) throws Exception {
        StringBuilder vector = new StringBuilder();
        for (float v : query) {
            vector.append(vector.length() == 0 ? "" : ",").append(v);
        }
        JsonNode hits = post(stack, "/memories/_search", "{\"size\": 1, \"_source\": false, \"knn\": {\"field\": \"vector\","
                + " \"query_vector\": [" + vector + "], \"k\": 5, \"num_candidates\": 100}}").get("hits").get("hits");
        return hits.get(0).get("_id").asText();
    }

    private static JsonNode get(StackEndpoints stack, String path) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(stack.elasticsearchUrl() + path)).GET().build());
    }

    private static JsonNode post(StackEndpoints stack, String path, String body) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(stack.elasticsearchUrl() + path))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    private static JsonNode send(HttpRequest request) throws Exception {
        HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isBetween(200, 299);
        return JSON.readTree(response.body());
    }

    private static <T> List<T> iterable(java.util.Iterator<T> iterator) {
        List<T> list = new ArrayList<>();
        iterator.forEachRemaining(list::add);
        return list;
    }
}
