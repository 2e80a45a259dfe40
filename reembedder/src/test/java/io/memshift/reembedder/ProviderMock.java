package io.memshift.reembedder;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Local stand-ins for Ollama's and Gemini's embedding endpoints (Gemini is a SaaS we cannot run; Ollama needs
 * model weights we cannot download here), each speaking its real wire format:
 * <ul>
 *   <li>Ollama: {@code POST /api/embed {"model", "input": [..]}} → {@code {"model", "embeddings": [[..]]}};</li>
 *   <li>Gemini: {@code POST /v1beta/models/<model>:batchEmbedContents} with {@code x-goog-api-key}, body
 *       {@code {"requests": [{"model", "content": {"parts": [{"text"}]}, "taskType", "outputDimensionality"}]}} →
 *       {@code {"embeddings": [{"values": [..]}]}}; at most 100 requests per call, as the real API.</li>
 * </ul>
 * The first call of each is answered 429 with {@code Retry-After: 3}.
 */
final class ProviderMock implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final String geminiKey;
    private final int dims;
    final AtomicInteger calls = new AtomicInteger();
    final AtomicInteger texts = new AtomicInteger();
    final List<JsonNode> geminiRequests = new CopyOnWriteArrayList<>();

    ProviderMock(String geminiKey, int dims) throws IOException {
        this.geminiKey = geminiKey;
        this.dims = dims;
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/api/embed", this::ollama);
        server.createContext("/v1beta/models/", this::gemini);
        server.start();
    }

    String ollamaUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    String geminiUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1beta";
    }

    float[] vectorOf(String text) {
        float[] vector = new float[dims];
        int seed = text.hashCode() ^ 0x5bd1e995;
        for (int i = 0; i < dims; i++) {
            seed = seed * 1103515245 + 12345;
            vector[i] = ((seed >>> 8) % 2000) / 1000f - 1f;
        }
        return vector;
    }

    private boolean throttledFirst(HttpExchange exchange, String body) throws IOException {
        if (calls.incrementAndGet() == 1) {
            exchange.getResponseHeaders().set("Retry-After", "3");
            OpenAiMock.reply(exchange, 429, body);
            return true;
        }
        return false;
    }

    private void ollama(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (throttledFirst(exchange, "{\"error\":\"server busy, please try again\"}")) {
                return;
            }
            JsonNode request = JSON.readTree(exchange.getRequestBody());
            ObjectNode response = JSON.createObjectNode().put("model", request.path("model").asText());
            ArrayNode embeddings = response.putArray("embeddings");
            List<String> inputs = new ArrayList<>();
            if (request.get("input").isArray()) {
                request.get("input").forEach(i -> inputs.add(i.asText()));
            } else {
                inputs.add(request.get("input").asText());
            }
            for (String input : inputs) {
                ArrayNode vector = embeddings.addArray();
                for (float v : vectorOf(input)) {
                    vector.add(v);
                }
                texts.incrementAndGet();
            }
            response.put("total_duration", 1000).put("load_duration", 10).put("prompt_eval_count", inputs.size() * 5);
            OpenAiMock.reply(exchange, 200, response.toString());
        }
    }

    private void gemini(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!geminiKey.equals(exchange.getRequestHeaders().getFirst("x-goog-api-key"))) {
                OpenAiMock.reply(exchange, 400, "{\"error\":{\"code\":400,\"message\":\"API key not valid. Please pass a valid API key.\",\"status\":\"INVALID_ARGUMENT\"}}");
                return;
            }
            if (throttledFirst(exchange, "{\"error\":{\"code\":429,\"message\":\"Resource has been exhausted (e.g. check quota).\",\"status\":\"RESOURCE_EXHAUSTED\"}}")) {
                return;
            }
            String path = exchange.getRequestURI().getPath();
            JsonNode request = JSON.readTree(exchange.getRequestBody());
            ObjectNode response = JSON.createObjectNode();
            if (path.endsWith(":batchEmbedContents")) {
                geminiRequests.add(request);
                if (request.get("requests").size() > 100) {
                    OpenAiMock.reply(exchange, 400, "{\"error\":{\"code\":400,\"message\":\"* BatchEmbedContentsRequest.requests: at most 100 requests can be in one batch\",\"status\":\"INVALID_ARGUMENT\"}}");
                    return;
                }
                ArrayNode embeddings = response.putArray("embeddings");
                for (JsonNode one : request.get("requests")) {
                    ArrayNode values = embeddings.addObject().putArray("values");
                    for (float v : vectorOf(one.path("content").path("parts").path(0).path("text").asText())) {
                        values.add(v);
                    }
                    texts.incrementAndGet();
                }
            } else if (path.endsWith(":embedContent")) {
                geminiRequests.add(request);
                ArrayNode values = response.putObject("embedding").putArray("values");
                for (float v : vectorOf(request.path("content").path("parts").path(0).path("text").asText())) {
                    values.add(v);
                }
                texts.incrementAndGet();
            } else {
                OpenAiMock.reply(exchange, 404, "{\"error\":{\"code\":404,\"message\":\"not found\",\"status\":\"NOT_FOUND\"}}");
                return;
            }
            OpenAiMock.reply(exchange, 200, response.toString());
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
