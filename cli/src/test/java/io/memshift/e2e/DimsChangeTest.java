package io.memshift.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.langchain4j.model.embedding.EmbeddingModel;
import io.memshift.embedded.EmbeddedStackExtension;
import io.memshift.embedded.StackEndpoints;
import io.memshift.reembedder.EmbeddingModels;
import io.memshift.reembedder.Vectors;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** A 384-d → 512-d migration: the new index is sized from the new model, and the alias moves across. */
@ExtendWith(EmbeddedStackExtension.class)
class DimsChangeTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path dataDir;

    @Test
    void migratingFrom384To512DimensionsBuildsACorrect512dIndex(StackEndpoints stack) throws Exception {
        String sample = "mem0-json:" + Cli.sample();
        Cli.Result small = Cli.migrate(stack, dataDir, "--source", sample, "--model", "onnx:all-minilm-l6-v2-q",
                "--index", "dims-384", "--alias", "dims-alias");
        assertThat(small.exitCode()).as(small.out() + small.err()).isZero();
        Cli.Result large = Cli.migrate(stack, dataDir, "--source", sample, "--model", "onnx:bge-small-zh-v15-q",
                "--index", "dims-512", "--alias", "dims-alias");
        assertThat(large.exitCode()).as(large.out() + large.err()).isZero();
        assertThat(large.out()).contains("Alias dims-alias now points to dims-512 (before: dims-384)");

        JsonNode mapping = get(stack, "/dims-512/_mapping").get("dims-512").get("mappings").get("properties").get("vector");
        assertThat(mapping.get("dims").asInt()).isEqualTo(512);
        assertThat(get(stack, "/dims-alias/_count").get("count").asInt()).isEqualTo(540);

        JsonNode hits = get(stack, "/dims-alias/_search?size=25").get("hits").get("hits");
        EmbeddingModel model = EmbeddingModels.profile("onnx:bge-small-zh-v15-q").factory().get();
        for (JsonNode hit : hits) {
            JsonNode doc = hit.get("_source");
            assertThat(doc.get("vector")).hasSize(512);
            assertThat(doc.get("memshift").get("model").get("dims").asInt()).isEqualTo(512);
            float[] expected = model.embed(doc.get("metadata").get("data").asText()).content().vector();
            assertThat(Vectors.cosine(expected, JSON.convertValue(doc.get("vector"), float[].class))).isGreaterThanOrEqualTo(0.99999);
        }
    }

    private static JsonNode get(StackEndpoints stack, String path) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(stack.elasticsearchUrl() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }
}
