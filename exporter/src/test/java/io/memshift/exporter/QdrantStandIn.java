package io.memshift.exporter;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BigIntegerNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A local stand-in for a Qdrant server (none can run here), speaking Qdrant's REST shapes: {@code GET
 * /collections/{c}} answering {@code {"result": {"status": "green", "points_count": N, ...}, "status": "ok",
 * "time": ...}} or 404 {@code {"status": {"error": "Not found: Collection `c` doesn't exist!"}, ...}}; {@code POST
 * /collections/{c}/points/scroll} paging by {@code limit} from {@code offset} in Qdrant's point order (integer ids
 * first, numerically, then UUIDs) and answering {@code next_page_offset}; the {@code api-key} header (401 without
 * it, 403 with another key) when a key is set; and 503 on every n-th request when told to.
 */
public final class QdrantStandIn implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A Qdrant point id: an unsigned 64-bit integer or a UUID; integers sort before UUIDs. */
    private record PointId(boolean uuid, long number, String text) implements Comparable<PointId> {
        static PointId of(JsonNode id) {
            if (id.isTextual()) {
                return new PointId(true, 0, java.util.UUID.fromString(id.textValue()).toString());
            }
            if (id.isIntegralNumber() && id.bigIntegerValue().signum() >= 0) {
                return new PointId(false, Long.parseUnsignedLong(id.bigIntegerValue().toString()), null);
            }
            throw new IllegalArgumentException("not a point id: " + id);
        }

        JsonNode json() {
            return uuid ? JSON.getNodeFactory().textNode(text)
                    : BigIntegerNode.valueOf(new BigInteger(Long.toUnsignedString(number)));
        }

        @Override
        public int compareTo(PointId other) {
            if (uuid != other.uuid) {
                return uuid ? 1 : -1;
            }
            return uuid ? text.compareTo(other.text) : Long.compareUnsigned(number, other.number);
        }
    }

    private final HttpServer server;
    private final String key;
    private final Map<String, NavigableMap<PointId, ObjectNode>> collections = new HashMap<>();
    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicInteger unavailable = new AtomicInteger();
    private final AtomicInteger pages = new AtomicInteger();
    private final AtomicInteger vectorsAsked = new AtomicInteger();
    private volatile int failEvery;

    /** @param key the api-key every request must carry, or null for an open server */
    public QdrantStandIn(String key) throws IOException {
        this.key = key;
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    /** e.g. {@code http://127.0.0.1:54321}, like {@code http://host:6333}. */
    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    public synchronized void createCollection(String name) {
        collections.putIfAbsent(name, new TreeMap<>());
    }

    /** Upserts one point ({@code id}: a UUID string or a non-negative integer) into an existing collection. */
    public synchronized void upsert(String collection, Object id, ObjectNode payload) {
        JsonNode idNode = id instanceof String text ? JSON.getNodeFactory().textNode(text)
                : id instanceof BigInteger big ? BigIntegerNode.valueOf(big)
                : JSON.getNodeFactory().numberNode(((Number) id).longValue());
        collections.get(collection).put(PointId.of(idNode), payload.deepCopy());
    }

    /** Every n-th request (counting all) is answered 503; 0 turns it off. */
    public void failEvery(int n) {
        failEvery = n;
    }

    public int requests() {
        return requests.get();
    }

    public int unavailable() {
        return unavailable.get();
    }

    /** How many scroll pages were served. */
    public int pages() {
        return pages.get();
    }

    /** How many scroll requests asked for vectors. */
    public int vectorsAsked() {
        return vectorsAsked.get();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            int n = requests.incrementAndGet();
            if (key != null) {
                String given = exchange.getRequestHeaders().getFirst("api-key");
                if (given == null) {
                    respondText(exchange, 401, "Must provide an API key or an Authorization bearer token");
                    return;
                }
                if (!given.equals(key)) {
                    respondText(exchange, 403, "Invalid API key or JWT");
                    return;
                }
            }
            if (failEvery > 0 && n % failEvery == 0) {
                unavailable.incrementAndGet();
                respond(exchange, 503, error("Service Unavailable: too many requests in flight"));
                return;
            }
            String[] path = exchange.getRequestURI().getRawPath().split("/");
            String method = exchange.getRequestMethod();
            if (path.length < 3 || !path[1].equals("collections")) {
                respond(exchange, 404, error("Not found: " + exchange.getRequestURI().getPath()));
                return;
            }
            String name = URLDecoder.decode(path[2], StandardCharsets.UTF_8);
            NavigableMap<PointId, ObjectNode> points;
            synchronized (this) {
                points = collections.get(name);
            }
            if (points == null) {
                respond(exchange, 404, error("Not found: Collection `" + name + "` doesn't exist!"));
            } else if (method.equals("GET") && path.length == 3) {
                respond(exchange, 200, ok(info(points)));
            } else if (method.equals("POST") && path.length == 5 && path[3].equals("points") && path[4].equals("scroll")) {
                respond(exchange, 200, ok(scroll(points, JSON.readTree(exchange.getRequestBody()))));
            } else {
                respond(exchange, 404, error("Not found: " + method + " " + exchange.getRequestURI().getPath()));
            }
        }
    }

    private synchronized ObjectNode info(NavigableMap<PointId, ObjectNode> points) {
        ObjectNode result = JSON.createObjectNode();
        result.put("status", "green").put("optimizer_status", "ok").put("indexed_vectors_count", 0)
                .put("points_count", points.size()).put("segments_count", 1);
        ObjectNode params = result.putObject("config").putObject("params");
        params.putObject("vectors").put("size", 4).put("distance", "Cosine");
        params.putObject("sparse_vectors").putObject("bm25").put("modifier", "idf");
        result.putObject("payload_schema");
        return result;
    }

    private synchronized ObjectNode scroll(NavigableMap<PointId, ObjectNode> points, JsonNode body) {
        pages.incrementAndGet();
        if (body.path("with_vector").asBoolean(false) || body.path("with_vectors").asBoolean(false)) {
            vectorsAsked.incrementAndGet();
        }
        int limit = body.path("limit").asInt(10);
        JsonNode offset = body.get("offset");
        NavigableMap<PointId, ObjectNode> from = offset == null || offset.isNull() ? points
                : points.tailMap(PointId.of(offset), true);
        boolean withPayload = body.path("with_payload").asBoolean(true);
        ObjectNode result = JSON.createObjectNode();
        ArrayNode page = result.putArray("points");
        PointId next = null;
        for (Map.Entry<PointId, ObjectNode> point : from.entrySet()) {
            if (page.size() == limit) {
                next = point.getKey();
                break;
            }
            ObjectNode record = page.addObject();
            record.set("id", point.getKey().json());
            if (withPayload) {
                record.set("payload", point.getValue());
            }
        }
        result.set("next_page_offset", next == null ? JSON.getNodeFactory().nullNode() : next.json());
        return result;
    }

    private static ObjectNode ok(JsonNode result) {
        ObjectNode answer = JSON.createObjectNode();
        answer.set("result", result);
        answer.put("status", "ok").put("time", 0.000123);
        return answer;
    }

    private static ObjectNode error(String message) {
        ObjectNode answer = JSON.createObjectNode();
        answer.putObject("status").put("error", message);
        answer.put("time", 0.0);
        return answer;
    }

    private static void respond(HttpExchange exchange, int status, JsonNode body) throws IOException {
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        write(exchange, status, JSON.writeValueAsBytes(body));
    }

    private static void respondText(HttpExchange exchange, int status, String body) throws IOException {
        exchange.getResponseHeaders().add("Content-Type", "text/plain; charset=utf-8");
        write(exchange, status, body.getBytes(StandardCharsets.UTF_8));
    }

    private static void write(HttpExchange exchange, int status, byte[] bytes) throws IOException {
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
