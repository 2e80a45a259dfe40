package io.memshift.exporter;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.memshift.schemas.Json;
import io.memshift.schemas.MemoryEvent;
import io.memshift.schemas.Stage;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code memshift ingest}: an HTTP endpoint that turns live changes into events on {@code memories} while a
 * migration runs, so the new index catches up with the app instead of freezing it.
 *
 * <ul>
 *   <li>{@code POST /webhooks/mem0}: Mem0's webhook payload {@code {"event_details": {"id", "data": {"memory"},
 *       "event": "ADD" | "UPDATE" | "DELETE"}}}. The payload has only id and text, too little to keep a memory
 *       verbatim (no scope ids, metadata, timestamps), so ADD and UPDATE fetch the full memory from the Mem0 API;
 *       DELETE needs nothing more and is versioned by the moment it was received.</li>
 *   <li>{@code POST /events}: memshift's own change events, one object or an array:
 *       {@code {"op": "upsert", "memory": {<Mem0 memory object>}}} or
 *       {@code {"op": "delete", "id": "...", "deleted_at": "<ISO-8601, default now>"}}. An array is validated
 *       whole before anything of it is published.</li>
 *   <li>{@code GET /health}.</li>
 * </ul>
 *
 * A 2xx answer means the broker acknowledged every event of the request ({@code acks=all}); anything else means
 * the sender should retry (5xx) or fix the request (4xx, with the reason naming the field). Mem0 retries
 * webhooks that fail, so a broker outage costs delay, not changes.
 */
public final class IngestServer implements Stage {

    private static final Logger LOG = LoggerFactory.getLogger(IngestServer.class);
    private static final long ACK_TIMEOUT_SECONDS = 30;

    private final MemoryEventPublisher publisher;
    private final Mem0ApiClient mem0;
    private final HttpServer server;
    private final ExecutorService workers = Executors.newFixedThreadPool(16);
    private final AtomicLong published = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private final IngestMetrics metrics;
    private volatile Stage.State state = Stage.State.STOPPED;
    private final AtomicBoolean closed = new AtomicBoolean();

    /**
     * @param mem0 the Mem0 API to fetch full memories from for webhooks; null if only {@code /events} is used
     */
    public IngestServer(String host, int port, MemoryEventPublisher publisher, Mem0ApiClient mem0) throws IOException {
        this(host, port, publisher, mem0, new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
    }

    /** @param meters where the server's meters ({@code memshift.ingest.*}) go, e.g. a Prometheus registry */
    public IngestServer(String host, int port, MemoryEventPublisher publisher, Mem0ApiClient mem0,
                        io.micrometer.core.instrument.MeterRegistry meters) throws IOException {
        this.metrics = new IngestMetrics(meters);
        this.publisher = publisher;
        this.mem0 = mem0;
        this.server = HttpServer.create(new InetSocketAddress(host, port), 64);
        server.createContext("/webhooks/mem0", exchange -> handle(exchange, this::mem0Webhook));
        server.createContext("/events", exchange -> handle(exchange, this::ownEvents));
        server.createContext("/health", exchange -> respond(exchange, 200, "{\"status\":\"ok\"}"));
        // Any other path: told apart by the body, so a webhook pointed at the bare host still lands.
        server.createContext("/", exchange -> handle(exchange, this::byShape));
        server.setExecutor(workers);
    }

    @Override
    public String name() {
        return "ingest server";
    }

    @Override
    public void start() {
        server.start();
        state = Stage.State.RUNNING;
        LOG.info("ingest listening on {}", server.getAddress());
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public long published() {
        return published.get();
    }

    public long refused() {
        return refused.get();
    }

    private interface Handler {
        String handle(JsonNode body) throws IngestException;
    }

    /** A request we answer with {@code status} and a reason. */
    static final class IngestException extends Exception {
        final int status;

        IngestException(int status, String message) {
            super(message);
            this.status = status;
        }
    }

    private void handle(HttpExchange exchange, Handler handler) throws IOException {
        try (exchange) {
            if (!exchange.getRequestMethod().equals("POST")) {
                answer(exchange, 405, error("use POST"));
                return;
            }
            JsonNode body;
            try {
                body = Json.MAPPER.readTree(exchange.getRequestBody());
            } catch (JsonProcessingException e) {
                refused.incrementAndGet();
                answer(exchange, 400, error("the body is not JSON: " + e.getOriginalMessage()));
                return;
            }
            try {
                answer(exchange, 200, handler.handle(body));
            } catch (IngestException e) {
                refused.incrementAndGet();
                LOG.warn("ingest {} answered {}: {}", exchange.getRequestURI().getPath(), e.status, e.getMessage());
                answer(exchange, e.status, error(e.getMessage()));
            } catch (RuntimeException e) {
                refused.incrementAndGet();
                LOG.error("ingest {} failed", exchange.getRequestURI().getPath(), e);
                answer(exchange, 500, error(e.toString()));
            }
        }
    }

    /** Answers a request and counts the answer by status. */
    private void answer(HttpExchange exchange, int status, String body) throws IOException {
        respond(exchange, status, body);
        metrics.answered(status);
    }

    private String mem0Webhook(JsonNode body) throws IngestException {
        // Mem0 wraps the event in event_details; a relay that forwards it flat is accepted too.
        JsonNode details = body.has("event_details") ? body.get("event_details") : body;
        String id = details.path("id").asText(null);
        String event = details.path("event").asText("").toUpperCase(Locale.ROOT);
        if (!details.isObject() || id == null || id.isBlank()) {
            throw new IngestException(400, "a Mem0 webhook needs event_details.id (the memory id)");
        }
        if (event.endsWith("DELETE")) {
            await(List.of(publisher.delete(id, Instant.now())));
            return ok(1, "deleted " + id);
        }
        // CATEGORIZE changes the memory's categories, which memshift carries: it is refetched like an update.
        if (!event.endsWith("ADD") && !event.endsWith("UPDATE") && !event.endsWith("CATEGORIZE")) {
            throw new IngestException(400, "event_details.event '" + details.path("event").asText()
                    + "' is not ADD, UPDATE, DELETE or CATEGORIZE");
        }
        if (mem0 == null) {
            throw new IngestException(503, "Mem0 webhooks carry only id and text; start ingest with --mem0-api <url>"
                    + " (and " + Mem0ApiClient.API_KEY_ENV + ") so memshift can fetch the full memory " + id);
        }
        Optional<JsonNode> memory;
        try {
            memory = mem0.memory(id);
        } catch (Mem0ApiClient.Mem0ApiException e) {
            throw new IngestException(502, "cannot fetch memory " + id + " from the Mem0 API: " + e.getMessage());
        }
        if (memory.isEmpty() || !memory.get().isObject()) {
            // Gone already: its delete webhook follows (or came first); publishing nothing is right.
            return ok(0, "memory " + id + " no longer exists in Mem0; nothing to publish");
        }
        MemoryEvent upsert = toEvent((ObjectNode) memory.get(), "mem0 webhook " + event + " " + id);
        await(List.of(publisher.publish(upsert)));
        return ok(1, "upserted " + id);
    }

    private String byShape(JsonNode body) throws IngestException {
        if (body.has("event_details") || body.has("event")) {
            return mem0Webhook(body);
        }
        if (body.isArray() || body.has("op")) {
            return ownEvents(body);
        }
        throw new IngestException(404, "POST a Mem0 webhook to /webhooks/mem0 or change events to /events");
    }

    private String ownEvents(JsonNode body) throws IngestException {
        List<JsonNode> items = new ArrayList<>();
        if (body.isArray()) {
            body.forEach(items::add);
        } else {
            items.add(body);
        }
        if (items.isEmpty()) {
            throw new IngestException(400, "no events in the request");
        }
        List<MemoryEvent> events = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            events.add(ownEvent(items.get(i), body.isArray() ? "events[" + i + "]" : "event"));
        }
        List<CompletableFuture<Long>> acks = new ArrayList<>();
        for (MemoryEvent event : events) {
            acks.add(publisher.publish(event));
        }
        await(acks);
        return ok(events.size(), null);
    }

    private MemoryEvent ownEvent(JsonNode item, String where) throws IngestException {
        String op = item.path("op").asText("").toLowerCase(Locale.ROOT);
        switch (op) {
            case "upsert" -> {
                JsonNode memory = item.get("memory");
                if (memory == null || !memory.isObject()) {
                    throw new IngestException(400, where + ": field 'memory' must be a Mem0 memory object");
                }
                return toEvent((ObjectNode) memory, where);
            }
            case "delete" -> {
                JsonNode id = item.get("id");
                if (id == null || !id.isTextual() || id.asText().isBlank()) {
                    throw new IngestException(400, where + ": field 'id' must be a non-empty string");
                }
                Instant at = Instant.now();
                JsonNode deletedAt = item.get("deleted_at");
                if (deletedAt != null && !deletedAt.isNull()) {
                    // Checked as a memory's own timestamps are: ISO-8601, and no later than a version can carry.
                    List<String> problems = new ArrayList<>();
                    at = MemoryEventConverter.timestamp("deleted_at", deletedAt.asText(), problems);
                    if (at == null) {
                        throw new IngestException(400, where + ": memory id=" + id.asText() + ": " + problems.get(0));
                    }
                }
                return MemoryEventPublisher.deleteEvent(id.asText(), at, "ingest");
            }
            default -> throw new IngestException(400, where + ": field 'op' must be \"upsert\" or \"delete\", was "
                    + item.path("op"));
        }
    }

    private MemoryEvent toEvent(ObjectNode memory, String where) throws IngestException {
        try {
            return publisher.toEvent(memory, where);
        } catch (InvalidSourceException e) {
            throw new IngestException(400, String.join("; ", e.problems()));
        }
    }

    private void await(List<CompletableFuture<Long>> acks) throws IngestException {
        long start = System.nanoTime();
        try {
            CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(ACK_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            published.addAndGet(acks.size());
            metrics.published(acks.size(), System.nanoTime() - start);
        } catch (ExecutionException | TimeoutException e) {
            metrics.publishFailed(System.nanoTime() - start);
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            throw new IngestException(503, "the broker did not acknowledge within " + ACK_TIMEOUT_SECONDS + " s ("
                    + cause + "); retry the request");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IngestException(503, "interrupted; retry the request");
        }
    }

    private static String ok(int published, String note) {
        ObjectNode answer = Json.MAPPER.createObjectNode().put("published", published);
        if (note != null) {
            answer.put("note", note);
        }
        return answer.toString();
    }

    private static String error(String message) {
        return Json.MAPPER.createObjectNode().put("error", message).toString();
    }

    private static void respond(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    /** Running from start to close: the HTTP server has no failure of its own; a refused request is counted. */
    @Override
    public Stage.Health health() {
        return Stage.Health.of(state);
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return; // closed already (Stage: closing a closed stage does nothing)
        }
        state = Stage.State.STOPPED;
        server.stop(1);
        workers.shutdownNow();
    }
}
