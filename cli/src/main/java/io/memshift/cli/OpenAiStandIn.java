package io.memshift.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.memshift.reembedder.StubEmbeddingModel;
import io.memshift.schemas.DaemonThreads;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An OpenAI embeddings endpoint on this machine, for {@code bench e2e}: {@code POST /v1/embeddings} in OpenAI's
 * request and response shapes, a fixed latency per request, and OpenAI's rate limits as OpenAI states them.
 *
 * <ul>
 *   <li>Requests per minute and tokens per minute are two buckets that hold a minute's allowance, start full and
 *       refill continuously. A request that finds either short is answered 429 with {@code Retry-After} (seconds)
 *       and {@code retry-after-ms}: how long until it would fit.</li>
 *   <li>Every answer carries {@code x-ratelimit-limit-requests/-tokens}, {@code x-ratelimit-remaining-requests/
 *       -tokens} and {@code x-ratelimit-reset-requests/-tokens} (time until the bucket is full, as {@code 1s},
 *       {@code 6m0s}, {@code 20ms}).</li>
 *   <li>A request of more than 2,048 inputs or 300,000 tokens is refused with 400, as OpenAI refuses it.</li>
 *   <li>Tokens are counted as one per 4 bytes of UTF-8, rounded up: about what OpenAI's tokenizer gives English.</li>
 *   <li>It counts the token allowance that went unused from the first request on: what refilled a full bucket and
 *       was lost. A client that paces well, with work waiting, leaves none ({@link #unusedTokens()}).</li>
 *   <li>The vector of a text is {@code stub:<dims>}'s ({@link StubEmbeddingModel#vectorOf}), so the bench knows
 *       what every stored vector must be.</li>
 * </ul>
 */
final class OpenAiStandIn implements AutoCloseable {

    static final int MAX_INPUTS = 2048;
    static final long MAX_REQUEST_TOKENS = 300_000;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The stand-in's settings: a latency per request and the two per-minute limits. */
    record Limits(long latencyMs, long requestsPerMinute, long tokensPerMinute) {
    }

    private final HttpServer server;
    private final ExecutorService threads;
    private final String key;
    private final int dims;
    private final Limits limits;
    private final Bucket requestBucket;
    private final Bucket tokenBucket;
    private final AtomicLong answered = new AtomicLong();
    private final AtomicLong throttled = new AtomicLong();
    private final AtomicLong inputs = new AtomicLong();
    private final AtomicLong tokens = new AtomicLong();
    private final AtomicInteger largestRequest = new AtomicInteger();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger mostInFlight = new AtomicInteger();
    private final AtomicInteger failures = new AtomicInteger();
    private volatile Throwable lastFailure;

    OpenAiStandIn(String key, int dims, Limits limits) throws IOException {
        this.key = key;
        this.dims = dims;
        this.limits = limits;
        this.requestBucket = new Bucket(limits.requestsPerMinute());
        this.tokenBucket = new Bucket(limits.tokensPerMinute());
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/v1/embeddings", this::handle);
        // Requests wait out their latency on threads of their own, as a remote service answers many at once.
        threads = Executors.newFixedThreadPool(64, DaemonThreads.named("openai-stand-in"));
        server.setExecutor(threads);
        server.start();
    }

    String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
    }

    /** The stand-in's count of the tokens of one input. */
    static long tokensOf(String input) {
        return (input.getBytes(StandardCharsets.UTF_8).length + 3) / 4;
    }

    long answered() {
        return answered.get();
    }

    long throttled() {
        return throttled.get();
    }

    long inputs() {
        return inputs.get();
    }

    int largestRequest() {
        return largestRequest.get();
    }

    /**
     * Tokens the per-minute limit allowed between the first request and the latest one that nobody used: they
     * refilled a bucket that was already full.
     */
    synchronized long unusedTokens() {
        return (long) tokenBucket.unused;
    }

    int mostInFlight() {
        return mostInFlight.get();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            answer(exchange);
        } catch (IOException | RuntimeException e) {
            failures.incrementAndGet();
            lastFailure = e;
            throw e;
        }
    }

    /** The stand-in's own failure, if one happened (the connection then closes without an answer). */
    Throwable lastFailure() {
        return lastFailure;
    }

    private void answer(HttpExchange exchange) throws IOException {
        {
            if (!("Bearer " + key).equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
                reply(exchange, 401, error("Incorrect API key provided", "invalid_request_error"));
                return;
            }
            JsonNode request = JSON.readTree(exchange.getRequestBody());
            List<String> texts = new ArrayList<>();
            JsonNode input = request.path("input");
            if (input.isTextual()) {
                texts.add(input.textValue());
            } else {
                input.forEach(text -> texts.add(text.asText()));
            }
            long cost = 0;
            for (String text : texts) {
                cost += tokensOf(text);
            }
            if (texts.isEmpty() || texts.size() > MAX_INPUTS || cost > MAX_REQUEST_TOKENS) {
                reply(exchange, 400, error("'input' must hold 1 to " + MAX_INPUTS + " texts of at most "
                        + MAX_REQUEST_TOKENS + " tokens in all; this one has " + texts.size() + " texts, " + cost
                        + " tokens", "invalid_request_error"));
                return;
            }
            long waitMs;
            synchronized (this) {
                long now = System.nanoTime();
                tokenBucket.countUnusedFrom(now);
                waitMs = Math.max(requestBucket.msUntil(1, now), tokenBucket.msUntil(cost, now));
                if (waitMs == 0) {
                    requestBucket.take(1, now);
                    tokenBucket.take(cost, now);
                }
                rateLimitHeaders(exchange, now);
            }
            if (waitMs > 0) {
                throttled.incrementAndGet();
                exchange.getResponseHeaders().set("retry-after-ms", Long.toString(waitMs));
                exchange.getResponseHeaders().set("Retry-After", Long.toString((waitMs + 999) / 1000));
                reply(exchange, 429, error("Rate limit reached for requests or tokens per min; please try again in "
                        + waitMs + "ms", "requests"));
                return;
            }
            int now = inFlight.incrementAndGet();
            mostInFlight.accumulateAndGet(now, Math::max);
            try {
                if (limits.latencyMs() > 0) {
                    Thread.sleep(limits.latencyMs());
                }
                reply(exchange, 200, embeddings(request, texts, cost));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                inFlight.decrementAndGet();
            }
            answered.incrementAndGet();
            inputs.addAndGet(texts.size());
            tokens.addAndGet(cost);
            largestRequest.accumulateAndGet(texts.size(), Math::max);
        }
    }

    private String embeddings(JsonNode request, List<String> texts, long cost) {
        boolean base64 = "base64".equals(request.path("encoding_format").asText());
        StringBuilder body = new StringBuilder(texts.size() * dims * 12 + 200);
        body.append("{\"object\":\"list\",\"data\":[");
        for (int i = 0; i < texts.size(); i++) {
            float[] vector = StubEmbeddingModel.vectorOf(texts.get(i), dims);
            body.append(i == 0 ? "" : ",").append("{\"object\":\"embedding\",\"index\":").append(i).append(",\"embedding\":");
            if (base64) {
                ByteBuffer bytes = ByteBuffer.allocate(vector.length * 4).order(ByteOrder.LITTLE_ENDIAN);
                for (float v : vector) {
                    bytes.putFloat(v);
                }
                body.append('"').append(Base64.getEncoder().encodeToString(bytes.array())).append('"');
            } else {
                body.append('[');
                for (int d = 0; d < vector.length; d++) {
                    body.append(d == 0 ? "" : ",").append(vector[d]);
                }
                body.append(']');
            }
            body.append('}');
        }
        body.append("],\"model\":").append(JSON.<JsonNode>valueToTree(request.path("model").asText("text-embedding-3-small")).toString())
                .append(",\"usage\":{\"prompt_tokens\":").append(cost).append(",\"total_tokens\":").append(cost)
                .append("}}");
        return body.toString();
    }

    private void rateLimitHeaders(HttpExchange exchange, long now) {
        var headers = exchange.getResponseHeaders();
        headers.set("x-ratelimit-limit-requests", Long.toString(limits.requestsPerMinute()));
        headers.set("x-ratelimit-limit-tokens", Long.toString(limits.tokensPerMinute()));
        headers.set("x-ratelimit-remaining-requests", Long.toString(requestBucket.remaining(now)));
        headers.set("x-ratelimit-remaining-tokens", Long.toString(tokenBucket.remaining(now)));
        headers.set("x-ratelimit-reset-requests", duration(requestBucket.msUntilFull(now)));
        headers.set("x-ratelimit-reset-tokens", duration(tokenBucket.msUntilFull(now)));
    }

    /** OpenAI's spelling of a duration in its rate-limit headers: {@code 20ms}, {@code 1.5s}, {@code 6m0s}. */
    static String duration(long millis) {
        if (millis < 1000) {
            return millis + "ms";
        }
        if (millis < 60_000) {
            return (millis % 1000 == 0 ? Long.toString(millis / 1000) : Double.toString(millis / 1000.0)) + "s";
        }
        return (millis / 60_000) + "m" + ((millis % 60_000) / 1000) + "s";
    }

    private static String error(String message, String type) {
        return "{\"error\":{\"message\":" + JSON.<JsonNode>valueToTree(message).toString() + ",\"type\":\"" + type + "\",\"code\":null}}";
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
        threads.shutdownNow();
    }

    /** A minute's allowance that refills continuously; callers hold the stand-in's lock. */
    private static final class Bucket {
        private final double capacity;
        private final double perNano;
        private double level;
        private long at;
        /** What refilled the bucket past full since {@link #countUnusedFrom} (before, it starts full anyway). */
        private double unused;
        private boolean counting;

        Bucket(long perMinute) {
            this.capacity = perMinute;
            this.perNano = perMinute / 60e9;
            this.level = perMinute;
            this.at = System.nanoTime();
        }

        private void refill(long now) {
            double filled = level + (now - at) * perNano;
            if (counting && filled > capacity) {
                unused += filled - capacity;
            }
            level = Math.min(capacity, filled);
            at = now;
        }

        void countUnusedFrom(long now) {
            if (!counting) {
                refill(now);
                counting = true;
            }
        }

        long msUntil(long amount, long now) {
            refill(now);
            return level >= amount ? 0 : (long) Math.ceil((amount - level) / perNano / 1e6);
        }

        void take(long amount, long now) {
            refill(now);
            level -= amount;
        }

        long remaining(long now) {
            refill(now);
            return (long) Math.floor(Math.max(0, level));
        }

        long msUntilFull(long now) {
            refill(now);
            return (long) Math.ceil((capacity - level) / perNano / 1e6);
        }
    }
}
