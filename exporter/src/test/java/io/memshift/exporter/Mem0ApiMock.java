package io.memshift.exporter;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A local stand-in for Mem0's hosted API (we cannot run theirs), speaking its wire format: {@code Authorization:
 * Token <key>}, {@code GET /v1/entities/}, {@code POST /v2/memories/?page=&page_size=} with a {@code filters}
 * body answering {@code {count, next, previous, results}}, {@code GET /v1/memories/<id>/}, and 429 with
 * {@code Retry-After} when told to throttle.
 */
public final class Mem0ApiMock implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> SCOPE_KEYS = List.of("user_id", "agent_id", "app_id", "run_id");

    private final HttpServer server;
    private final String key;
    private final Map<String, ObjectNode> memories = new LinkedHashMap<>();
    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicInteger throttled = new AtomicInteger();
    private final AtomicInteger memoryListings = new AtomicInteger();
    private volatile int throttleEvery;
    private volatile boolean v1Only;

    public Mem0ApiMock(String key) throws IOException {
        this.key = key;
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    public synchronized void put(ObjectNode memory) {
        memories.put(memory.get("id").asText(), memory.deepCopy());
    }

    public synchronized void remove(String id) {
        memories.remove(id);
    }

    /** Every n-th request (counting all) is answered 429 with {@code Retry-After: 1}; 0 turns it off. */
    public void throttleEvery(int n) {
        throttleEvery = n;
    }

    /**
     * Serve as a deployment without the v2 listing: {@code POST /v2/memories/} is 404, and
     * {@code GET /v1/memories/?user_id=...} answers the scope's whole list, ignoring paging.
     */
    public void v1Only() {
        v1Only = true;
    }

    public int throttled() {
        return throttled.get();
    }

    /** How many pages of memories were served. */
    public int memoryListings() {
        return memoryListings.get();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            int n = requests.incrementAndGet();
            String auth = exchange.getRequestHeaders().getFirst("Authorization");
            if (!("Token " + key).equals(auth)) {
                respond(exchange, 401, "{\"detail\":\"Invalid token.\"}");
                return;
            }
            if (throttleEvery > 0 && n % throttleEvery == 0) {
                throttled.incrementAndGet();
                exchange.getResponseHeaders().add("Retry-After", "1");
                respond(exchange, 429, "{\"detail\":\"Request was throttled. Expected available in 1 second.\"}");
                return;
            }
            String path = exchange.getRequestURI().getPath();
            String method = exchange.getRequestMethod();
            if (method.equals("GET") && path.equals("/v1/entities/")) {
                respond(exchange, 200, entities().toString());
            } else if (method.equals("POST") && path.equals("/v2/memories/") && v1Only) {
                respond(exchange, 404, "{\"detail\":\"Not found.\"}");
            } else if (method.equals("GET") && path.equals("/v1/memories/") && v1Only) {
                Map<String, String> query = query(exchange.getRequestURI().getRawQuery());
                ObjectNode filter = JSON.createObjectNode();
                for (String scope : SCOPE_KEYS) {
                    if (query.containsKey(scope)) {
                        filter.putArray("AND").addObject().put(scope, query.get(scope));
                    }
                }
                ObjectNode body = JSON.createObjectNode();
                body.set("filters", filter);
                respond(exchange, 200, page(exchange, body, Integer.MAX_VALUE).get("results").toString());
            } else if (method.equals("POST") && path.equals("/v2/memories/")) {
                JsonNode body = JSON.readTree(exchange.getRequestBody());
                respond(exchange, 200, page(exchange, body, 0).toString());
            } else if (method.equals("GET") && path.startsWith("/v1/memories/") && path.endsWith("/")) {
                String id = URLDecoder.decode(path.substring("/v1/memories/".length(), path.length() - 1), StandardCharsets.UTF_8);
                ObjectNode memory;
                synchronized (this) {
                    memory = memories.get(id);
                }
                if (memory == null) {
                    respond(exchange, 404, "{\"detail\":\"Memory not found.\"}");
                } else {
                    respond(exchange, 200, memory.toString());
                }
            } else {
                respond(exchange, 404, "{\"detail\":\"Not found.\"}");
            }
        }
    }

    private synchronized ObjectNode entities() {
        Set<String> seen = new LinkedHashSet<>();
        ArrayNode results = JSON.createArrayNode();
        for (ObjectNode memory : memories.values()) {
            for (String scope : SCOPE_KEYS) {
                JsonNode name = memory.get(scope);
                if (name != null && name.isTextual() && seen.add(scope + "/" + name.asText())) {
                    results.addObject().put("id", seen.size()).put("name", name.asText())
                            .put("type", scope.substring(0, scope.length() - 3)).put("total_memories", 1);
                }
            }
        }
        ObjectNode answer = JSON.createObjectNode();
        answer.set("results", results);
        return answer;
    }

    /** @param wholeList if positive, the page size to use whatever the request asks, from page 1 */
    private ObjectNode page(HttpExchange exchange, JsonNode body, int wholeList) {
        memoryListings.incrementAndGet();
        Map<String, String> query = query(exchange.getRequestURI().getRawQuery());
        int page = wholeList > 0 ? 1 : Integer.parseInt(query.getOrDefault("page", "1"));
        int size = wholeList > 0 ? wholeList : Integer.parseInt(query.getOrDefault("page_size", "100"));
        Map<String, String> filters = new HashMap<>();
        for (JsonNode condition : body.path("filters").path("AND")) {
            condition.fields().forEachRemaining(f -> filters.put(f.getKey(), f.getValue().asText()));
        }
        List<ObjectNode> matching = new ArrayList<>();
        synchronized (this) {
            for (ObjectNode memory : memories.values()) {
                boolean all = filters.entrySet().stream()
                        .allMatch(f -> f.getValue().equals(memory.path(f.getKey()).asText(null)));
                if (all) {
                    matching.add(memory);
                }
            }
        }
        matching.sort(Comparator.comparing((ObjectNode m) -> m.path("created_at").asText()).thenComparing(m -> m.get("id").asText()));
        int from = Math.min(matching.size(), (page - 1) * size);
        int to = Math.min(matching.size(), from + size);
        ObjectNode answer = JSON.createObjectNode();
        answer.put("count", matching.size());
        String base = url() + "/v2/memories/?page_size=" + size + "&page=";
        if (to < matching.size()) {
            answer.put("next", base + (page + 1));
        } else {
            answer.putNull("next");
        }
        if (page > 1) {
            answer.put("previous", base + (page - 1));
        } else {
            answer.putNull("previous");
        }
        ArrayNode results = answer.putArray("results");
        matching.subList(from, to).forEach(results::add);
        return answer;
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> query = new HashMap<>();
        if (raw != null) {
            for (String pair : raw.split("&")) {
                int eq = pair.indexOf('=');
                if (eq > 0) {
                    query.put(pair.substring(0, eq), URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
                }
            }
        }
        return query;
    }

    private static void respond(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }

    /** A memory object as Mem0's API returns it. */
    public static ObjectNode memory(String id, String text, String userId, String agentId, String createdAt, String updatedAt) {
        ObjectNode memory = JSON.createObjectNode();
        memory.put("id", id).put("memory", text);
        if (userId != null) {
            memory.put("user_id", userId);
        } else {
            memory.putNull("user_id");
        }
        if (agentId != null) {
            memory.put("agent_id", agentId);
        } else {
            memory.putNull("agent_id");
        }
        memory.putNull("app_id").putNull("run_id");
        memory.put("hash", Integer.toHexString(text.hashCode()));
        memory.putObject("metadata").put("origin", "mock");
        memory.putArray("categories").add("personal");
        memory.put("immutable", false).putNull("expiration_date");
        memory.put("created_at", createdAt);
        memory.put("updated_at", updatedAt);
        return memory;
    }
}
