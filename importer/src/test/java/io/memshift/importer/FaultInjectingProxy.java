package io.memshift.importer;

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
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An HTTP proxy in front of the real Elasticsearch that makes it look overloaded the way ES itself does: every
 * third {@code _bulk} is refused whole with 429; of the others, the first items of every second one come back
 * as item-level 429s (es_rejected_execution_exception), although ES did write them. Retrying those is harmless
 * only because writes are versioned, which is what the test is about. {@link #refusingSmile} makes instead a
 * proxy that passes everything through but a SMILE body, which it refuses with 406 as a cluster without SMILE does;
 * {@link #slowBulks} one that passes everything through, holding each {@code _bulk} a while, and counts how many
 * were in flight at once.
 */
final class FaultInjectingProxy implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final HttpClient client = HttpClient.newHttpClient();
    private final String target;
    private final AtomicInteger bulks = new AtomicInteger();
    final AtomicInteger wholeRefusals = new AtomicInteger();
    final AtomicInteger itemRefusals = new AtomicInteger();
    final AtomicInteger smileRefusals = new AtomicInteger();
    private final AtomicInteger bulksInFlight = new AtomicInteger();
    /** The most {@code _bulk} requests this proxy held at once. */
    final AtomicInteger mostBulksInFlight = new AtomicInteger();
    private final boolean onlyRefuseSmile;
    /** Zero, or how long each {@code _bulk} is held before it goes on: nothing is refused then. */
    private final long holdBulkMs;

    FaultInjectingProxy(String target) throws IOException {
        this(target, false, 0);
    }

    /** A proxy that refuses SMILE bodies (406) and passes everything else through untouched. */
    static FaultInjectingProxy refusingSmile(String target) throws IOException {
        return new FaultInjectingProxy(target, true, 0);
    }

    /** A proxy that refuses nothing, holds each {@code _bulk} for {@code hold}, and counts them in flight. */
    static FaultInjectingProxy slowBulks(String target, java.time.Duration hold) throws IOException {
        return new FaultInjectingProxy(target, false, hold.toMillis());
    }

    private FaultInjectingProxy(String target, boolean onlyRefuseSmile, long holdBulkMs) throws IOException {
        this.onlyRefuseSmile = onlyRefuseSmile;
        this.holdBulkMs = holdBulkMs;
        this.target = target;
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        // More threads than any importer in the tests sends bulks at once, so that the proxy never caps them.
        server.setExecutor(Executors.newFixedThreadPool(32));
        server.createContext("/", this::handle);
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body = exchange.getRequestBody().readAllBytes();
            boolean bulk = exchange.getRequestURI().getPath().endsWith("/_bulk");
            String type = exchange.getRequestHeaders().getFirst("Content-Type");
            if (onlyRefuseSmile && type != null && type.contains("smile")) {
                smileRefusals.incrementAndGet();
                reply(exchange, 406, "{\"error\":\"Content-Type header [" + type + "] is not supported\",\"status\":406}");
                return;
            }
            if (holdBulkMs > 0) {
                if (bulk) {
                    mostBulksInFlight.accumulateAndGet(bulksInFlight.incrementAndGet(), Math::max);
                    try {
                        Thread.sleep(holdBulkMs);
                        forward(exchange, body, 0);
                    } finally {
                        bulksInFlight.decrementAndGet();
                    }
                } else {
                    forward(exchange, body, 0);
                }
                return;
            }
            int n = bulk && !onlyRefuseSmile ? bulks.incrementAndGet() : 0;
            if (n > 0 && n % 3 == 0) {
                wholeRefusals.incrementAndGet();
                reply(exchange, 429, "{\"error\":{\"type\":\"es_rejected_execution_exception\",\"reason\":\"injected\"},\"status\":429}");
                return;
            }
            forward(exchange, body, n);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Sends the request on to Elasticsearch and its answer back; the {@code n}th bulk, if even, with item 429s. */
    private void forward(HttpExchange exchange, byte[] body, int n) throws IOException, InterruptedException {
        HttpRequest.Builder forward = HttpRequest.newBuilder(URI.create(target + exchange.getRequestURI()))
                .method(exchange.getRequestMethod(), body.length == 0 ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(body));
        for (String header : new String[] {"Content-Type", "Accept"}) {
            String value = exchange.getRequestHeaders().getFirst(header);
            if (value != null) {
                forward.header(header, value);
            }
        }
        HttpResponse<String> response = client.send(forward.build(), HttpResponse.BodyHandlers.ofString());
        String answer = response.body();
        if (n > 0 && n % 2 == 0 && response.statusCode() == 200) {
            answer = refuseFirstItems(answer, 3);
        }
        if (exchange.getRequestMethod().equals("HEAD")) {
            exchange.getResponseHeaders().set("X-Elastic-Product", "Elasticsearch");
            exchange.sendResponseHeaders(response.statusCode(), -1);
            return;
        }
        reply(exchange, response.statusCode(), answer);
    }

    private String refuseFirstItems(String bulkResponse, int count) throws IOException {
        ObjectNode root = (ObjectNode) JSON.readTree(bulkResponse);
        ArrayNode items = (ArrayNode) root.get("items");
        for (int i = 0; i < Math.min(count, items.size()); i++) {
            ObjectNode item = (ObjectNode) items.get(i).elements().next();
            item.put("status", 429);
            item.remove("result");
            item.putObject("error").put("type", "es_rejected_execution_exception").put("reason", "injected");
            itemRefusals.incrementAndGet();
        }
        root.put("errors", true);
        return root.toString();
    }

    private static void reply(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/vnd.elasticsearch+json; compatible-with=8");
        exchange.getResponseHeaders().set("X-Elastic-Product", "Elasticsearch");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }

    static JsonNode parse(String json) throws IOException {
        return JSON.readTree(json);
    }
}
