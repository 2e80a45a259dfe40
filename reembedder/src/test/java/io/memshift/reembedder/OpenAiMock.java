package io.memshift.reembedder;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A local stand-in for OpenAI's embeddings endpoint (we cannot run OpenAI): {@code POST /v1/embeddings}, the real
 * request and response shapes, a Bearer key check, and a deterministic vector per text. The first request is
 * answered 429 with Retry-After, as OpenAI does under load.
 */
final class OpenAiMock implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final String key;
    private final int dims;
    final AtomicInteger requests = new AtomicInteger();
    final AtomicInteger texts = new AtomicInteger();
    final AtomicInteger refused = new AtomicInteger();
    final AtomicInteger serverErrors = new AtomicInteger();
    private volatile long outageUntilMs;

    OpenAiMock(String key, int dims) throws IOException {
        this.key = key;
        this.dims = dims;
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/v1/embeddings", this::handle);
        server.start();
    }

    /** From now on, for {@code millis}, every request fails with 500, as a provider that is down. */
    void outageFor(long millis) {
        outageUntilMs = System.currentTimeMillis() + millis;
    }

    String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
    }

    /** The vector this mock gives a text: what a correct pipeline must store. */
    float[] vectorOf(String text) {
        float[] vector = new float[dims];
        int seed = text.hashCode();
        for (int i = 0; i < dims; i++) {
            seed = seed * 1103515245 + 12345;
            vector[i] = ((seed >>> 8) % 2000) / 1000f - 1f;
        }
        return vector;
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!("Bearer " + key).equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
                reply(exchange, 401, "{\"error\":{\"message\":\"Incorrect API key provided\",\"type\":\"invalid_request_error\"}}");
                return;
            }
            if (System.currentTimeMillis() < outageUntilMs) {
                serverErrors.incrementAndGet();
                reply(exchange, 500, "{\"error\":{\"message\":\"The server had an error while processing your request.\",\"type\":\"server_error\"}}");
                return;
            }
            if (requests.incrementAndGet() == 1) {
                refused.incrementAndGet();
                exchange.getResponseHeaders().set("Retry-After", "1");
                reply(exchange, 429, "{\"error\":{\"message\":\"Rate limit reached\",\"type\":\"requests\",\"code\":\"rate_limit_exceeded\"}}");
                return;
            }
            JsonNode request = JSON.readTree(exchange.getRequestBody());
            ObjectNode response = JSON.createObjectNode().put("object", "list").put("model", request.path("model").asText());
            ArrayNode data = response.putArray("data");
            int index = 0;
            for (JsonNode input : request.get("input")) {
                ObjectNode item = data.addObject().put("object", "embedding").put("index", index++);
                ArrayNode embedding = item.putArray("embedding");
                for (float v : vectorOf(input.asText())) {
                    embedding.add(v);
                }
                texts.incrementAndGet();
            }
            response.putObject("usage").put("prompt_tokens", index * 8).put("total_tokens", index * 8);
            reply(exchange, 200, response.toString());
        }
    }

    private static void reply(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
