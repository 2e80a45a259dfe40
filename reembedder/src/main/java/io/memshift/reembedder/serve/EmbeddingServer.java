package io.memshift.reembedder.serve;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.memshift.reembedder.ModelProfile;
import io.memshift.reembedder.PipelineEmbedder;
import io.memshift.schemas.DaemonThreads;
import io.memshift.schemas.Stage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code memshift serve}: OpenAI's embeddings API over the model a migration used, so that an app with an
 * OpenAI-compatible embedder (Mem0's {@code openai} embedder with a base URL) embeds its queries into the vector
 * space the migrated index holds.
 *
 * <ul>
 *   <li>{@code POST /v1/embeddings} (also {@code /embeddings}): {@code {"model", "input": string | [string, ...],
 *       "encoding_format": "float" | "base64", "dimensions"?}} answered as OpenAI answers: {@code {"object":
 *       "list", "data": [{"object": "embedding", "index", "embedding"}], "model", "usage": {"prompt_tokens",
 *       "total_tokens"}}}. base64 is the vector's little-endian float32 bytes (what the official {@code openai}
 *       clients ask for by default and decode). Texts go through {@link PipelineEmbedder}, i.e. the model input
 *       the re-embedder builds (e5's {@code "passage: "} prefix included), and the same encoder.</li>
 *   <li>{@code GET /v1/models}: the served model.</li>
 * </ul>
 *
 * The request's {@code model} is not checked: Mem0 sends whatever name its config holds, and every text is
 * embedded with the one served model, whose id the answer's {@code model} names. Texts of requests that arrive
 * together are embedded in one model batch ({@link MicroBatcher}). Errors come in OpenAI's shape, {@code {"error":
 * {"message", "type", "param", "code"}}}: 400 for a request memshift cannot answer as asked, 429/503 with
 * Retry-After while a remote provider throttles or is down, 502 if it refuses memshift's key or model name.
 */
public final class EmbeddingServer implements Stage {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddingServer.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** OpenAI's own limit on inputs per request. */
    public static final int MAX_INPUTS = 2048;
    /** How long a request may wait for its vectors before it is answered 503. */
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);
    /** Bounds what one request can make the model do (2,048 texts of a page each fit easily). */
    private static final long MAX_BODY_BYTES = 32L << 20;
    /** No new model request starts after this much of a batch (a remote provider's requests time out at 30 s). */
    private static final Duration MODEL_BUDGET = Duration.ofSeconds(20);

    private final PipelineEmbedder embedder;
    private final ModelProfile profile;
    private final int maxTextChars;
    private final HttpServer server;
    private final ExecutorService workers;
    private final MicroBatcher<String, Embedded> batcher;
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private volatile Stage.State state = Stage.State.STOPPED;
    private final AtomicBoolean closed = new AtomicBoolean();

    /** One text's outcome: a vector, or the model's reason for refusing it, or why the model could not answer. */
    private record Embedded(float[] vector, String refusal, PipelineEmbedder.Unavailable unavailable) {
    }

    private EmbeddingServer(Builder builder) throws IOException {
        this.embedder = builder.embedder;
        this.profile = embedder.profile();
        this.maxTextChars = builder.maxTextChars;
        this.batcher = new MicroBatcher<>("memshift-serve-batcher", this::embedBatch, builder.maxBatch,
                builder.maxWait, builder.maxPending);
        this.server = HttpServer.create(new InetSocketAddress(builder.host, builder.port), 128);
        // Handlers only parse, wait for their vectors and write: many may wait at once while one batch runs.
        this.workers = Executors.newFixedThreadPool(builder.threads, DaemonThreads.numbered("memshift-serve"));
        server.createContext("/v1/embeddings", exchange -> handle(exchange, "POST", this::embeddings));
        server.createContext("/embeddings", exchange -> handle(exchange, "POST", this::embeddings));
        server.createContext("/v1/models", exchange -> handle(exchange, "GET", this::models));
        server.createContext("/health", exchange -> handle(exchange, "GET", e -> respond(e, 200, "{\"status\":\"ok\"}")));
        server.createContext("/", exchange -> handle(exchange, null, e -> {
            throw new ApiError(404, "invalid_request_error", null, "unknown_url", "no route " + e.getRequestMethod()
                    + " " + e.getRequestURI().getPath() + "; this server answers POST /v1/embeddings and GET /v1/models");
        }));
        server.setExecutor(workers);
    }

    public static Builder builder(PipelineEmbedder embedder) {
        return new Builder(embedder);
    }

    /** Settings of a server; defaults in the fields. */
    public static final class Builder {
        private final PipelineEmbedder embedder;
        private String host = "127.0.0.1";
        private int port = 8788;
        private int maxBatch = 256;
        private Duration maxWait = Duration.ofMillis(2);
        private int maxPending = 50_000;
        private int maxTextChars = 65_536;
        private int threads = 64;

        private Builder(PipelineEmbedder embedder) {
            this.embedder = embedder;
        }

        public Builder host(String host) {
            this.host = host;
            return this;
        }

        /** 0 picks a free port ({@link EmbeddingServer#port()} tells which). */
        public Builder port(int port) {
            this.port = port;
            return this;
        }

        /** Texts per model batch, at most. */
        public Builder maxBatch(int maxBatch) {
            this.maxBatch = maxBatch;
            return this;
        }

        /** How long a batch that is not full waits for more texts. */
        public Builder maxWait(Duration maxWait) {
            this.maxWait = maxWait;
            return this;
        }

        /** Texts that may wait for the model at once; beyond, requests are answered 503 at once. */
        public Builder maxPending(int maxPending) {
            this.maxPending = maxPending;
            return this;
        }

        /** Longest text accepted; the exporter's limit by default, so that anything in the index can be asked. */
        public Builder maxTextChars(int maxTextChars) {
            this.maxTextChars = maxTextChars;
            return this;
        }

        /** Requests handled at once (each mostly waits for its batch). */
        public Builder threads(int threads) {
            this.threads = threads;
            return this;
        }

        /** Binds the port; {@link EmbeddingServer#start()} starts answering. */
        public EmbeddingServer build() throws IOException {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port must be between 0 and 65535, was " + port);
            }
            if (maxBatch < 1 || maxPending < 1 || maxTextChars < 1 || threads < 1 || maxWait.isNegative()) {
                throw new IllegalArgumentException("batch size, pending texts, text length and threads must be"
                        + " positive and the wait not negative");
            }
            return new EmbeddingServer(this);
        }
    }

    @Override
    public String name() {
        return "embedding server";
    }

    @Override
    public void start() {
        server.start();
        state = Stage.State.RUNNING;
        LOG.info("serving {} ({} dims) on {}", profile.id(), profile.dims(), server.getAddress());
    }

    /** Running from start to close, unless the batcher's thread stopped under it (then nothing gets embedded). */
    @Override
    public Stage.Health health() {
        if (state == Stage.State.RUNNING && !batcher.running()) {
            return Stage.Health.failed(new IllegalStateException("the batcher of " + profile.id() + " stopped"));
        }
        return Stage.Health.of(state);
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public String host() {
        return server.getAddress().getHostString();
    }

    /** Embedding requests answered 200. */
    public long requests() {
        return requests.get();
    }

    /** Requests answered with an error. */
    public long refused() {
        return refused.get();
    }

    /** Model batches run, and the texts they held. */
    public long batches() {
        return batcher.batches();
    }

    public long texts() {
        return batcher.items();
    }

    /** A request answered with an error in OpenAI's shape. */
    static final class ApiError extends Exception {
        final int status;
        final String type;
        final String param;
        final String code;
        final Duration retryAfter;

        ApiError(int status, String type, String param, String code, String message) {
            this(status, type, param, code, message, null);
        }

        ApiError(int status, String type, String param, String code, String message, Duration retryAfter) {
            super(message);
            this.status = status;
            this.type = type;
            this.param = param;
            this.code = code;
            this.retryAfter = retryAfter;
        }

        static ApiError invalid(String param, String message) {
            return new ApiError(400, "invalid_request_error", param, null, message);
        }
    }

    private interface Handler {
        void handle(HttpExchange exchange) throws ApiError, IOException;
    }

    private void handle(HttpExchange exchange, String method, Handler handler) throws IOException {
        try (exchange) {
            try {
                if (method != null && !method.equals(exchange.getRequestMethod())) {
                    exchange.getResponseHeaders().add("Allow", method);
                    throw new ApiError(405, "invalid_request_error", null, "method_not_allowed", "use " + method
                            + " for " + exchange.getRequestURI().getPath());
                }
                handler.handle(exchange);
            } catch (ApiError e) {
                refused.incrementAndGet();
                if (e.status >= 500) {
                    LOG.warn("{} {} answered {}: {}", exchange.getRequestMethod(), exchange.getRequestURI().getPath(),
                            e.status, e.getMessage());
                }
                if (e.retryAfter != null) {
                    exchange.getResponseHeaders().add("Retry-After",
                            Long.toString(Math.max(1, (e.retryAfter.toMillis() + 999) / 1000)));
                }
                respond(exchange, e.status, errorBody(e));
            } catch (RuntimeException e) {
                refused.incrementAndGet();
                LOG.error("{} {} failed", exchange.getRequestMethod(), exchange.getRequestURI().getPath(), e);
                respond(exchange, 500, errorBody(new ApiError(500, "server_error", null, null,
                        "memshift serve failed: " + e)));
            }
        }
    }

    private void models(HttpExchange exchange) throws IOException {
        Map<String, Object> model = Map.of("id", profile.id(), "object", "model", "created", 0, "owned_by", "memshift");
        respond(exchange, 200, JSON.writeValueAsString(Map.of("object", "list", "data", List.of(model))));
    }

    /** What one embeddings request asks for, validated. */
    private record EmbeddingsRequest(List<String> texts, boolean base64) {
    }

    private void embeddings(HttpExchange exchange) throws ApiError, IOException {
        EmbeddingsRequest request = parse(readBody(exchange));
        List<Embedded> embedded;
        try {
            embedded = batcher.submit(request.texts()).get(REQUEST_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new ApiError(503, "server_error", null, null, "the model did not embed the request within "
                    + REQUEST_TIMEOUT.toSeconds() + " s; retry", Duration.ofSeconds(1));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiError(503, "server_error", null, null, "the server is stopping; retry", Duration.ofSeconds(1));
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RejectedExecutionException) {
                throw new ApiError(503, "server_error", null, null, cause.getMessage() + "; retry", Duration.ofSeconds(1));
            }
            if (cause instanceof PipelineEmbedder.ModelRefusedException) {
                throw new ApiError(502, "server_error", null, null, cause.getMessage());
            }
            throw new ApiError(500, "server_error", null, null, "model " + profile.id() + " failed: " + cause);
        }
        for (int i = 0; i < embedded.size(); i++) {
            Embedded one = embedded.get(i);
            if (one.refusal() != null) {
                throw ApiError.invalid("input", "model " + profile.id() + " refused " + where(request, i) + ": "
                        + one.refusal());
            }
        }
        for (Embedded one : embedded) {
            if (one.vector() == null) {
                PipelineEmbedder.Unavailable why = one.unavailable();
                throw why.rateLimited()
                        ? new ApiError(429, "requests", null, "rate_limit_exceeded", "model " + profile.id()
                                + " is rate limiting memshift (" + why.reason() + "); retry later",
                                why.retryAfter().orElse(Duration.ofSeconds(1)))
                        : new ApiError(503, "server_error", null, null, "model " + profile.id() + " is unavailable ("
                                + why.reason() + "); retry later", why.retryAfter().orElse(Duration.ofSeconds(1)));
            }
        }
        long tokens = 0;
        for (String text : request.texts()) {
            tokens += embedder.estimateTokens(text);
        }
        requests.incrementAndGet();
        respond(exchange, 200, answer(embedded, request.base64(), tokens));
    }

    /** One batch for the model: each text's vector, or why it has none. */
    private List<Embedded> embedBatch(List<String> texts) {
        PipelineEmbedder.Result result = embedder.embed(texts, MODEL_BUDGET);
        List<Embedded> out = new ArrayList<>(texts.size());
        for (int i = 0; i < texts.size(); i++) {
            float[] vector = result.vectors().get(i);
            if (vector != null && vector.length != profile.dims()) {
                throw new IllegalStateException("model " + profile.id() + " returned a " + vector.length
                        + "-d vector; its profile says " + profile.dims());
            }
            out.add(new Embedded(vector, result.refused().get(i), result.unavailable().orElse(null)));
        }
        return out;
    }

    private EmbeddingsRequest parse(byte[] body) throws ApiError {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw ApiError.invalid(null, "the body is not JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw ApiError.invalid(null, "the body cannot be read: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw ApiError.invalid(null, "the body must be a JSON object {\"model\": ..., \"input\": ...}");
        }
        JsonNode model = root.get("model");
        if (model != null && !model.isNull() && !model.isTextual()) {
            throw ApiError.invalid("model", "'model' must be a string (any name: " + profile.id() + " is served)");
        }
        boolean base64;
        JsonNode format = root.get("encoding_format");
        if (format == null || format.isNull() || format.asText().equals("float")) {
            base64 = false;
        } else if (format.asText().equals("base64")) {
            base64 = true;
        } else {
            throw ApiError.invalid("encoding_format", "'encoding_format' must be \"float\" or \"base64\", was " + format);
        }
        JsonNode dimensions = root.get("dimensions");
        if (dimensions != null && !dimensions.isNull()
                && (!dimensions.canConvertToExactIntegral() || dimensions.asLong() != profile.dims())) {
            throw ApiError.invalid("dimensions", "'dimensions' is " + dimensions + " but model " + profile.id()
                    + " gives " + profile.dims() + "-dimensional vectors (the ones the index holds); send "
                    + profile.dims() + " or leave it out (Mem0: embedding_dims / embeddingDims " + profile.dims() + ")");
        }
        JsonNode input = root.get("input");
        if (input == null || input.isNull()) {
            throw ApiError.invalid("input", "'input' is missing: give a string or an array of strings");
        }
        List<String> texts = new ArrayList<>();
        boolean single = input.isTextual();
        if (single) {
            texts.add(input.asText());
        } else if (input.isArray()) {
            if (input.isEmpty()) {
                throw ApiError.invalid("input", "'input' is an empty array: give at least one string");
            }
            if (input.size() > MAX_INPUTS) {
                throw ApiError.invalid("input", "'input' has " + input.size() + " items; at most " + MAX_INPUTS
                        + " per request");
            }
            for (int i = 0; i < input.size(); i++) {
                JsonNode item = input.get(i);
                if (!item.isTextual()) {
                    throw ApiError.invalid("input", "input[" + i + "] must be a string, was "
                            + item.getNodeType().name().toLowerCase(java.util.Locale.ROOT)
                            + (item.isNumber() || item.isArray() ? " (token arrays are not accepted: send the text)" : ""));
                }
                texts.add(item.asText());
            }
        } else {
            throw ApiError.invalid("input", "'input' must be a string or an array of strings, was "
                    + input.getNodeType().name().toLowerCase(java.util.Locale.ROOT));
        }
        for (int i = 0; i < texts.size(); i++) {
            String text = texts.get(i);
            String where = single ? "'input'" : "input[" + i + "]";
            if (text.isEmpty()) {
                throw ApiError.invalid("input", where + " is an empty string");
            }
            // Characters as the migration counts them: code points (an emoji is one), not UTF-16 units.
            int characters = text.codePointCount(0, text.length());
            if (characters > maxTextChars) {
                throw ApiError.invalid("input", where + " has " + characters + " characters, over the limit of "
                        + maxTextChars + " (memshift serve --max-text-chars; the same limit as the migration's)");
            }
            if (hasLoneSurrogate(text)) {
                throw ApiError.invalid("input", where + " is not valid Unicode (lone surrogate)");
            }
        }
        return new EmbeddingsRequest(texts, base64);
    }

    private static String where(EmbeddingsRequest request, int i) {
        return request.texts().size() == 1 ? "'input'" : "input[" + i + "]";
    }

    private static boolean hasLoneSurrogate(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return true;
            }
        }
        return false;
    }

    private byte[] readBody(HttpExchange exchange) throws ApiError, IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        byte[] buffer = new byte[65_536];
        try (InputStream in = exchange.getRequestBody()) {
            for (int n; (n = in.read(buffer)) > 0; ) {
                if (body.size() + n > MAX_BODY_BYTES) {
                    throw new ApiError(413, "invalid_request_error", null, "request_too_large",
                            "the request body is larger than " + MAX_BODY_BYTES + " bytes");
                }
                body.write(buffer, 0, n);
            }
        }
        return body.toByteArray();
    }

    private byte[] answer(List<Embedded> embedded, boolean base64, long tokens) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(embedded.size() * profile.dims() * (base64 ? 6 : 12));
        try (JsonGenerator json = JSON.getFactory().createGenerator(out)) {
            json.writeStartObject();
            json.writeStringField("object", "list");
            json.writeArrayFieldStart("data");
            ByteBuffer bytes = ByteBuffer.allocate(profile.dims() * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < embedded.size(); i++) {
                float[] vector = embedded.get(i).vector();
                json.writeStartObject();
                json.writeStringField("object", "embedding");
                json.writeNumberField("index", i);
                json.writeFieldName("embedding");
                if (base64) {
                    bytes.clear();
                    bytes.asFloatBuffer().put(vector);
                    json.writeString(Base64.getEncoder().encodeToString(bytes.array()));
                } else {
                    // Each float as the shortest decimal that reads back as exactly that float (Float.toString).
                    json.writeStartArray();
                    for (float v : vector) {
                        json.writeNumber(v);
                    }
                    json.writeEndArray();
                }
                json.writeEndObject();
            }
            json.writeEndArray();
            json.writeStringField("model", profile.id());
            json.writeObjectFieldStart("usage");
            json.writeNumberField("prompt_tokens", tokens);
            json.writeNumberField("total_tokens", tokens);
            json.writeEndObject();
            json.writeEndObject();
        }
        return out.toByteArray();
    }

    private static byte[] errorBody(ApiError e) {
        Map<String, Object> error = new java.util.LinkedHashMap<>();
        error.put("message", e.getMessage());
        error.put("type", e.type);
        error.put("param", e.param);
        error.put("code", e.code);
        try {
            return JSON.writeValueAsBytes(Map.of("error", error));
        } catch (JsonProcessingException impossible) {
            throw new IllegalStateException(impossible);
        }
    }

    private static void respond(HttpExchange exchange, int status, String body) throws IOException {
        respond(exchange, status, body.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    private static void respond(HttpExchange exchange, int status, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    /**
     * Stops taking connections, lets the requests in progress finish (up to 5 s), then stops the batcher. The
     * embedder (and its model) is the caller's to close.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return; // closed already (Stage: closing a closed stage does nothing)
        }
        state = Stage.State.STOPPED;
        server.stop(5);
        batcher.close();
        workers.shutdownNow();
    }
}
