package io.memshift.reembedder.serve;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.EmbeddingModel;
import io.memshift.reembedder.EmbeddingModels;
import io.memshift.reembedder.ModelProfile;
import io.memshift.reembedder.PipelineEmbedder;
import io.memshift.schemas.Stage;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code memshift serve} on a free port, spoken to over HTTP as an OpenAI client would. The server runs e5-small-v2-q:
 * e5 is the model whose input the re-embedder changes ({@code "passage: "} before every memory), and a
 * dynamically quantized model embeds each text in a run of its own, so its vectors do not depend on which texts
 * share a batch: they can be compared bit for bit even when concurrent requests are coalesced.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EmbeddingServerTest {

    private static final String MODEL = "onnx:e5-small-v2-q";
    /** Exact decimals, so that a float's text converts once, straight to float. */
    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final int MAX_TEXT_CHARS = 500;

    private ModelProfile profile;
    private EmbeddingModel model;
    private PipelineEmbedder embedder;
    private EmbeddingServer server;

    @BeforeAll
    void start() throws Exception {
        profile = EmbeddingModels.profile(MODEL);
        model = profile.factory().get();
        embedder = new PipelineEmbedder(profile, model);
        server = EmbeddingServer.builder(embedder).port(0).maxTextChars(MAX_TEXT_CHARS).build();
        server.start();
    }

    @AfterAll
    void stop() {
        server.close();
        embedder.close();
    }

    /** What the re-embedder feeds the model for a memory of e5, spelled out here so that a lost prefix shows. */
    private List<float[]> reembedderVectors(List<String> texts) {
        List<TextSegment> inputs = texts.stream().map(text -> TextSegment.from("passage: " + text)).toList();
        return model.embedAll(inputs).content().stream().map(Embedding::vector).toList();
    }

    @Test
    void floatAndBase64AnswersHoldTheReembeddersVectorsBitForBit() throws Exception {
        List<String> texts = List.of("User prefers Python over Java", "Lives in Lisbon, works for a Berlin company",
                "用户喜欢喝绿茶", "Allergic to peanuts; carries an EpiPen", "x");
        List<float[]> expected = reembedderVectors(texts);

        JsonNode floats = post(Map.of("model", "text-embedding-3-small", "input", texts, "encoding_format", "float"), 200);
        JsonNode base64 = post(Map.of("model", "text-embedding-3-small", "input", texts, "encoding_format", "base64"), 200);
        JsonNode defaulted = post(Map.of("model", "anything", "input", texts), 200);

        for (JsonNode answer : List.of(floats, base64, defaulted)) {
            assertThat(answer.get("object").asText()).isEqualTo("list");
            assertThat(answer.get("model").asText()).isEqualTo(MODEL);
            assertThat(answer.get("data")).hasSize(texts.size());
            assertThat(answer.at("/usage/prompt_tokens").asLong()).isPositive()
                    .isEqualTo(answer.at("/usage/total_tokens").asLong());
            for (int i = 0; i < texts.size(); i++) {
                assertThat(answer.get("data").get(i).get("object").asText()).isEqualTo("embedding");
                assertThat(answer.get("data").get(i).get("index").asInt()).isEqualTo(i);
            }
        }
        for (int i = 0; i < texts.size(); i++) {
            assertThat(floatsOf(floats.get("data").get(i))).as("float vector of text %d", i)
                    .hasSize(profile.dims()).containsExactly(expected.get(i));
            assertThat(floatsOf(base64.get("data").get(i))).as("base64 vector of text %d", i).containsExactly(expected.get(i));
            assertThat(floatsOf(defaulted.get("data").get(i))).as("default-format vector of text %d", i).containsExactly(expected.get(i));
        }
        // The prefix matters: the bare text is another vector, which the index does not hold.
        float[] bare = model.embed(texts.get(0)).content().vector();
        assertThat(floatsOf(floats.get("data").get(0))).isNotEqualTo(bare);
    }

    /**
     * A full-precision model embeds texts in padded runs, so a vector's last bits depend on the texts that share
     * its run: a request served alone is the same batch the re-embedder makes of those texts, bit for bit.
     */
    @Test
    void aFullPrecisionModelsRequestServedAloneIsTheReembeddersBatchBitForBit() throws Exception {
        ModelProfile minilm = EmbeddingModels.profile("onnx:all-minilm-l6-v2");
        EmbeddingModel minilmModel = minilm.factory().get();
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            texts.add("Memory " + i + ": the user " + "really ".repeat(i % 7) + "enjoys topic " + (i * 7 % 11));
        }
        List<float[]> expected = minilmModel.embedAll(texts.stream().map(TextSegment::from).toList()).content()
                .stream().map(Embedding::vector).toList();
        try (PipelineEmbedder minilmEmbedder = new PipelineEmbedder(minilm, minilmModel);
             EmbeddingServer alone = EmbeddingServer.builder(minilmEmbedder).port(0).build()) {
            alone.start();
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + alone.port() + "/v1/embeddings"))
                    .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(
                            Map.of("model", "all-minilm", "input", texts, "encoding_format", "base64")))).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            JsonNode data = JSON.readTree(response.body()).get("data");
            for (int i = 0; i < texts.size(); i++) {
                assertThat(floatsOf(data.get(i))).as("text %d", i).containsExactly(expected.get(i));
            }
        }
    }

    @Test
    void aSingleStringAndTheModelsOwnDimensionsAreAccepted() throws Exception {
        JsonNode answer = post(Map.of("model", MODEL, "input", "Plays chess on Sundays", "dimensions", profile.dims()), 200);

        assertThat(answer.get("data")).hasSize(1);
        assertThat(floatsOf(answer.get("data").get(0))).containsExactly(reembedderVectors(List.of("Plays chess on Sundays")).get(0));
    }

    @Test
    void concurrentClientsEachGetTheirOwnVectorsInTheirOrder() throws Exception {
        int clients = 8;
        int requestsPerClient = 6;
        Map<String, float[]> expected = new HashMap<>();
        List<List<List<String>>> plan = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            List<List<String>> requests = new ArrayList<>();
            for (int r = 0; r < requestsPerClient; r++) {
                List<String> texts = new ArrayList<>();
                for (int t = 0; t <= (c + r) % 4; t++) {
                    texts.add("client " + c + " request " + r + " memory " + t + " likes topic " + ((c * 7 + r * 3 + t) % 13));
                }
                requests.add(texts);
            }
            plan.add(requests);
        }
        List<String> all = plan.stream().flatMap(List::stream).flatMap(List::stream).toList();
        List<float[]> vectors = reembedderVectors(all);
        for (int i = 0; i < all.size(); i++) {
            expected.put(all.get(i), vectors.get(i));
        }
        long batchesBefore = server.batches();

        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            List<Future<?>> running = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                List<List<String>> requests = plan.get(c);
                boolean base64 = c % 2 == 0;
                running.add(pool.submit(() -> {
                    for (List<String> texts : requests) {
                        JsonNode answer = post(Map.of("model", "m", "input", texts,
                                "encoding_format", base64 ? "base64" : "float"), 200);
                        assertThat(answer.get("data")).hasSize(texts.size());
                        for (int i = 0; i < texts.size(); i++) {
                            assertThat(answer.get("data").get(i).get("index").asInt()).isEqualTo(i);
                            assertThat(floatsOf(answer.get("data").get(i))).as(texts.get(i))
                                    .containsExactly(expected.get(texts.get(i)));
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> client : running) {
                client.get();
            }
        } finally {
            pool.shutdownNow();
        }
        // Informational: how far the batcher coalesced (depends on timing, so not asserted).
        System.out.printf("%d requests from %d concurrent clients embedded in %d model batches%n",
                clients * requestsPerClient, clients, server.batches() - batchesBefore);
    }

    static Stream<Arguments> badRequests() {
        ObjectMapper json = new ObjectMapper();
        ArrayNode tooMany = json.createArrayNode();
        for (int i = 0; i <= EmbeddingServer.MAX_INPUTS; i++) {
            tooMany.add("memory " + i);
        }
        return Stream.of(
                Arguments.of("input absent", "{\"model\":\"m\"}", "input", "'input' is missing"),
                Arguments.of("input null", "{\"model\":\"m\",\"input\":null}", "input", "'input' is missing"),
                Arguments.of("input empty string", "{\"model\":\"m\",\"input\":\"\"}", "input", "'input' is an empty string"),
                Arguments.of("input empty array", "{\"model\":\"m\",\"input\":[]}", "input", "empty array"),
                Arguments.of("an empty item", "{\"model\":\"m\",\"input\":[\"a\",\"\"]}", "input", "input[1] is an empty string"),
                Arguments.of("a number item", "{\"model\":\"m\",\"input\":[\"a\",42]}", "input", "input[1] must be a string, was number"),
                Arguments.of("a null item", "{\"model\":\"m\",\"input\":[\"a\",null]}", "input", "input[1] must be a string, was null"),
                Arguments.of("token arrays", "{\"model\":\"m\",\"input\":[[101,2023,102]]}", "input", "token arrays are not accepted"),
                Arguments.of("input an object", "{\"model\":\"m\",\"input\":{\"text\":\"a\"}}", "input", "must be a string or an array of strings, was object"),
                Arguments.of("too many inputs", json.createObjectNode().put("model", "m").set("input", tooMany).toString(),
                        "input", "'input' has 2049 items; at most 2048"),
                Arguments.of("over-long text", "{\"model\":\"m\",\"input\":[\"ok\",\"" + "y".repeat(MAX_TEXT_CHARS + 1) + "\"]}",
                        "input", "input[1] has 501 characters, over the limit of 500"),
                // Counted in characters, as the migration counts them: an emoji is one, not two UTF-16 units.
                Arguments.of("over-long emoji text", "{\"model\":\"m\",\"input\":\"" + "\uD83D\uDE00".repeat(MAX_TEXT_CHARS + 1) + "\"}",
                        "input", "'input' has 501 characters, over the limit of 500"),
                Arguments.of("lone surrogate", "{\"model\":\"m\",\"input\":\"bad \\ud800 text\"}", "input", "lone surrogate"),
                Arguments.of("other dimensions", "{\"model\":\"m\",\"input\":\"a\",\"dimensions\":1536}", "dimensions",
                        "'dimensions' is 1536 but model onnx:e5-small-v2-q gives 384-dimensional vectors"),
                Arguments.of("unknown encoding", "{\"model\":\"m\",\"input\":\"a\",\"encoding_format\":\"hex\"}",
                        "encoding_format", "must be \"float\" or \"base64\""),
                Arguments.of("model not a string", "{\"model\":7,\"input\":\"a\"}", "model", "'model' must be a string"),
                Arguments.of("not JSON", "input=hello", null, "the body is not JSON"),
                Arguments.of("not an object", "[\"hello\"]", null, "must be a JSON object"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badRequests")
    void badRequestsAre400InOpenAisErrorShape(String name, String body, String param, String message) throws Exception {
        HttpResponse<String> response = send(body);

        assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
        JsonNode error = JSON.readTree(response.body()).get("error");
        assertThat(error.get("type").asText()).isEqualTo("invalid_request_error");
        assertThat(error.get("message").asText()).contains(message);
        assertThat(error.get("param").isNull() ? null : error.get("param").asText()).isEqualTo(param);
        assertThat(error.has("code")).isTrue();
    }

    @Test
    void isAStageRunningFromStartToClose() throws Exception {
        EmbeddingServer other = EmbeddingServer.builder(embedder).port(0).build();
        assertThat(other.health().state()).isEqualTo(Stage.State.STOPPED);
        other.start();
        assertThat(other.requireAlive().state()).isEqualTo(Stage.State.RUNNING);
        other.close();
        assertThat(other.health().state()).isEqualTo(Stage.State.STOPPED);
    }

    @Test
    void listsTheServedModelAndRefusesOtherRoutesAndMethods() throws Exception {
        HttpResponse<String> models = HTTP.send(HttpRequest.newBuilder(uri("/v1/models")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(models.statusCode()).isEqualTo(200);
        JsonNode list = JSON.readTree(models.body());
        assertThat(list.get("object").asText()).isEqualTo("list");
        assertThat(list.at("/data/0/id").asText()).isEqualTo(MODEL);

        HttpResponse<String> wrongMethod = HTTP.send(HttpRequest.newBuilder(uri("/v1/embeddings")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(wrongMethod.statusCode()).isEqualTo(405);
        assertThat(JSON.readTree(wrongMethod.body()).at("/error/message").asText()).contains("use POST");

        HttpResponse<String> unknown = HTTP.send(HttpRequest.newBuilder(uri("/v1/chat/completions"))
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(JSON.readTree(unknown.body()).at("/error/message").asText()).contains("POST /v1/embeddings");
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.port() + path);
    }

    private HttpResponse<String> send(String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(uri("/v1/embeddings")).timeout(Duration.ofSeconds(60))
                        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode post(Map<String, Object> request, int status) throws Exception {
        HttpResponse<String> response = send(JSON.writeValueAsString(request));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        return JSON.readTree(response.body());
    }

    /** The vector of one {@code data} item, decoded as an OpenAI client decodes it (base64: little-endian float32). */
    private static float[] floatsOf(JsonNode item) {
        JsonNode embedding = item.get("embedding");
        if (embedding.isTextual()) {
            ByteBuffer bytes = ByteBuffer.wrap(Base64.getDecoder().decode(embedding.asText())).order(ByteOrder.LITTLE_ENDIAN);
            float[] vector = new float[bytes.remaining() / Float.BYTES];
            bytes.asFloatBuffer().get(vector);
            return vector;
        }
        float[] vector = new float[embedding.size()];
        for (int i = 0; i < vector.length; i++) {
            vector[i] = Float.parseFloat(embedding.get(i).decimalValue().toString());
        }
        return vector;
    }
}
