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
    final AtomicInteger poisonRefusals = new AtomicInteger();
    final AtomicInteger inFlight = new AtomicInteger();
    final AtomicInteger maxInFlight = new AtomicInteger();
    /** Milliseconds from a 429 to the next request that got through, the shortest seen. */
    final java.util.concurrent.atomic.AtomicLong shortestWaitAfter429 = new java.util.concurrent.atomic.AtomicLong(Long.MAX_VALUE);
    private volatile long outageUntilMs;
    private volatile long last429AtMs;
    private volatile int throttleEvery;
    private volatile int failEvery;
    private volatile long delayMs;
    private volatile int retryAfterSeconds = 1;

    OpenAiMock(String key, int dims) throws IOException {
        this.key = key;
        this.dims = dims;
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/v1/embeddings", this::handle);
        // Several requests at once, as the real endpoint takes them.
        server.setExecutor(java.util.concurrent.Executors.newFixedThreadPool(8));
        server.start();
    }

    /** From now on, for {@code millis}, every request fails with 500, as a provider that is down. */
    void outageFor(long millis) {
        outageUntilMs = System.currentTimeMillis() + millis;
    }

    /**
     * From now on every {@code throttle}-th request is answered 429 with that {@code Retry-After}, every
     * {@code fail}-th 500, and each request takes {@code delayMs} (so that concurrent requests overlap). A request
     * holding a text that contains {@value #POISON} is refused whole with 400, as OpenAI refuses an input over the
     * model's token limit.
     */
    void misbehave(int throttle, int retryAfterSeconds, int fail, long delayMs) {
        this.throttleEvery = throttle;
        this.retryAfterSeconds = retryAfterSeconds;
        this.failEvery = fail;
        this.delayMs = delayMs;
    }

    static final String POISON = "<poison>";

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
            int n = requests.incrementAndGet();
            if (n == 1 || throttleEvery > 0 && n % throttleEvery == 0) {
                refused.incrementAndGet();
                last429AtMs = System.currentTimeMillis();
                exchange.getResponseHeaders().set("Retry-After", Integer.toString(retryAfterSeconds));
                reply(exchange, 429, "{\"error\":{\"message\":\"Rate limit reached\",\"type\":\"requests\",\"code\":\"rate_limit_exceeded\"}}");
                return;
            }
            long since429 = System.currentTimeMillis() - last429AtMs;
            // A request that arrives within 100 ms of the 429 was sent alongside it, before the 429 was known.
            if (last429AtMs > 0 && since429 > 100) {
                shortestWaitAfter429.accumulateAndGet(since429, Math::min);
                last429AtMs = 0;
            }
            if (failEvery > 0 && n % failEvery == 0) {
                serverErrors.incrementAndGet();
                reply(exchange, 500, "{\"error\":{\"message\":\"The server had an error while processing your request.\",\"type\":\"server_error\"}}");
                return;
            }
            int now = inFlight.incrementAndGet();
            maxInFlight.accumulateAndGet(now, Math::max);
            try {
                if (delayMs > 0) {
                    Thread.sleep(delayMs);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                inFlight.decrementAndGet();
            }
            JsonNode request = JSON.readTree(exchange.getRequestBody());
            for (JsonNode input : request.get("input")) {
                if (input.asText().contains(POISON)) {
                    poisonRefusals.incrementAndGet();
                    reply(exchange, 400, "{\"error\":{\"message\":\"This model's maximum context length is 8192 tokens, however you requested 9000 tokens.\",\"type\":\"invalid_request_error\",\"code\":null}}");
                    return;
                }
            }
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

    /** A JSON answer; shared with {@link ProviderMock}. */
    static void reply(HttpExchange exchange, int status, String body) throws IOException {
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
