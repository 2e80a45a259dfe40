package io.memshift.exporter;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.memshift.clients.ElasticsearchClients;
import io.memshift.clients.ElasticsearchSettings;
import io.memshift.clients.HttpAuth;
import io.memshift.clients.SearchPage;
import io.memshift.schemas.Json;
import io.memshift.schemas.Mem0Entities;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.apache.http.util.EntityUtils;
import org.elasticsearch.client.Request;
import org.elasticsearch.client.Response;
import org.elasticsearch.client.ResponseException;
import org.elasticsearch.client.RestClient;

/**
 * Mem0's own Elasticsearch vector store, read whole with a point in time and {@code search_after} (so there is no
 * 10,000-hit window, and a consistent snapshot even while the app writes). Mem0's layout: {@code _id} is the
 * memory id; {@code _source} is {@code {vector, metadata}}, where {@code metadata} is the payload: {@code data}
 * (the text), {@code hash}, {@code created_at}, {@code updated_at}, the scope ids, and the memory's own metadata
 * keys alongside (read by {@link Mem0Payload}; the TypeScript SDK spells {@code createdAt}, {@code updatedAt},
 * {@code textLemmatized}). The payload also travels as its exact JSON text (see {@link SourceMemory#payload()}):
 * hits are read with their whole {@code _source}, because Elasticsearch re-encodes a filtered source
 * ({@code 1.50} becomes {@code 1.5}, an escaped character comes back unescaped), and the old vectors in it are
 * skipped unread: they belong to the old model.
 *
 * <p>Mem0's own bookkeeping indices ({@code mem0migrations}, {@code memory_migrations}) hold no memories: naming
 * one is refused, and an index pattern ({@code mem0*}, {@code a,b}) leaves them out.
 *
 * <p>Mem0 v3 keeps the entities its memories mention beside the collection, in {@code <index>_entities} (the same
 * document layout, the payload's {@code data} the entity's text); {@link #forEachEntity} reads them the same way,
 * payloads byte for byte. An index pattern reads the entity store of each memory index it matches, and never
 * reads an entity store as memories.
 */
public final class Mem0ElasticsearchReader implements MemorySource, EntitySource, ChangeFeed {

    /** Indices Mem0 keeps for itself: the Python library's and the TypeScript SDK's telemetry user id. */
    public static final Set<String> BOOKKEEPING_INDICES = Set.of("mem0migrations", "memory_migrations");
    /** Hits carry their whole _source, old vectors included (skipped unread): smaller pages than a bare scan. */
    private static final int PAGE = 500;

    private final ElasticsearchSettings cluster;
    private final String baseUrl;
    private final String index;

    /** @param url {@code http(s)://host:port/<index>}, read without credentials */
    public Mem0ElasticsearchReader(String url) {
        this(url, null);
    }

    /**
     * @param url      {@code http(s)://[user:password@]host:port/<index>}
     * @param security the credentials and trusted certificates of that cluster (its URL is ignored), or null for
     *                 none; a user and password in {@code url} are used instead
     */
    public Mem0ElasticsearchReader(String url, ElasticsearchSettings security) {
        int slash = url.lastIndexOf('/');
        if (!url.startsWith("http://") && !url.startsWith("https://") || slash <= url.indexOf("//") + 1
                || slash == url.length() - 1) {
            throw new IllegalArgumentException("mem0-es source must look like http(s)://host:port/<index>, got '"
                    + ElasticsearchSettings.of(url.substring(0, Math.max(slash, url.indexOf("//") + 2))).url() + "...'");
        }
        ElasticsearchSettings fromUrl = ElasticsearchSettings.of(url.substring(0, slash));
        this.cluster = security == null || !(fromUrl.auth() instanceof HttpAuth.None) ? fromUrl
                : new ElasticsearchSettings(fromUrl.url(), security.auth(), security.tls());
        this.baseUrl = cluster.url();
        this.index = url.substring(slash + 1);
        if (BOOKKEEPING_INDICES.contains(index)) {
            throw new IllegalArgumentException("index '" + index + "' at " + baseUrl + " is Mem0's own bookkeeping"
                    + " (it holds the telemetry user id, not memories); name the collection's index instead, e.g."
                    + " mem0-es:" + baseUrl + "/mem0");
        }
        if (Mem0Entities.isStore(index) && !index.contains("*") && !index.contains(",")) {
            String collection = index.substring(0, index.length() - Mem0Entities.SUFFIX.length());
            throw new IllegalArgumentException("index '" + index + "' at " + baseUrl + " is Mem0's entity store of '"
                    + collection + "'; name the collection instead (mem0-es:" + baseUrl + "/" + collection
                    + "): its entities are read with it");
        }
    }

    @Override
    public String kind() {
        return "mem0-es";
    }

    @Override
    public String identity() {
        return baseUrl + "/" + index;
    }

    @Override
    public String shortName() {
        return index;
    }

    @Override
    public Optional<Stamp> stamp() {
        return Optional.empty();
    }

    @Override
    public void forEach(Consumer<SourceMemory> sink) {
        try (ElasticsearchClient es = ElasticsearchClients.connect(cluster)) {
            RestClient rest = ElasticsearchClients.lowLevel(es);
            scan(rest, memoryIndices(rest), index, null, (hit, position) -> sink.accept(new SourceMemory(
                    toMemory(hit.id(), hit.source()), position, null, hit.source())));
        } catch (IOException e) {
            // closing the connections failed: everything was read
        }
    }

    /** Every entity of the entity store of each memory index read (none if no such store exists). */
    @Override
    public void forEachEntity(Consumer<SourceEntity> sink) {
        forEachEntity(null, sink);
    }

    /**
     * The memories, then the entities, whose payload's {@code updated_at} or {@code created_at} (or the TypeScript
     * SDK's {@code updatedAt}, {@code createdAt}) is at or after {@code since}: a range query per spelling, which
     * Elasticsearch answers from its index (Mem0 leaves these fields to dynamic mapping, which maps an ISO-8601
     * text as a date). A spelling the index never saw is not mapped, and its range matches nothing.
     */
    @Override
    public void forEachChangedSince(Instant since, Consumer<SourceMemory> memories, Consumer<SourceEntity> entities) {
        ObjectNode query = changedSince(since);
        try (ElasticsearchClient es = ElasticsearchClients.connect(cluster)) {
            RestClient rest = ElasticsearchClients.lowLevel(es);
            scan(rest, memoryIndices(rest), index, query, (hit, position) -> memories.accept(new SourceMemory(
                    toMemory(hit.id(), hit.source()), position, null, hit.source())));
        } catch (IOException e) {
            // closing the connections failed: everything was read
        }
        forEachEntity(query, entities);
    }

    @Override
    public boolean selectsOnServer() {
        return true;
    }

    static ObjectNode changedSince(Instant since) {
        ObjectNode query = Json.MAPPER.createObjectNode();
        ObjectNode bool = query.putObject("bool");
        com.fasterxml.jackson.databind.node.ArrayNode should = bool.putArray("should");
        for (String field : List.of("updated_at", "created_at", "updatedAt", "createdAt")) {
            should.addObject().putObject("range").putObject("metadata." + field).put("gte", since.toString());
        }
        bool.put("minimum_should_match", 1);
        return query;
    }

    private void forEachEntity(ObjectNode query, Consumer<SourceEntity> sink) {
        try (ElasticsearchClient es = ElasticsearchClients.connect(cluster)) {
            RestClient rest = ElasticsearchClients.lowLevel(es);
            List<String> stores = new ArrayList<>();
            for (String memories : memoryIndices(rest).split(",")) {
                String store = Mem0Entities.storeOf(memories);
                if (exists(rest, store)) {
                    stores.add(store);
                }
            }
            if (stores.isEmpty()) {
                return;
            }
            String name = stores.size() == 1 ? stores.get(0) : Mem0Entities.storeOf(index);
            // An entity without a payload is passed on as {} (the converter then names the missing data).
            scan(rest, String.join(",", stores), name, query, (hit, position) -> sink.accept(new SourceEntity(hit.id(),
                    hit.source() == null ? "{}" : hit.source(), position)));
        } catch (IOException e) {
            // closing the connections failed: everything was read
        }
    }

    /**
     * Reads every hit of {@code indices} in a point in time, page after page; {@code name} starts each position.
     * {@code query} selects the hits (null: all of them).
     */
    private void scan(RestClient rest, String indices, String name, JsonNode query, BiConsumer<SearchPage.Hit<String>, String> sink) {
        refresh(rest, indices);
        String pit = send(rest, "POST", "/" + indices + "/_pit?keep_alive=5m", null).get("id").asText();
        try {
            JsonNode after = null;
            long n = 0;
            while (true) {
                ObjectNode body = Json.MAPPER.createObjectNode();
                body.put("size", PAGE);
                body.putObject("pit").put("id", pit).put("keep_alive", "5m");
                body.putArray("sort").addObject().put("_shard_doc", "asc");
                if (query != null) {
                    body.set("query", query);
                }
                if (after != null) {
                    body.set("search_after", after);
                }
                SearchPage<String> page = page(sendForBytes(rest, "POST", "/_search", body));
                pit = page.pitId() != null ? page.pitId() : pit;
                if (page.hits().isEmpty()) {
                    return;
                }
                for (SearchPage.Hit<String> hit : page.hits()) {
                    n++;
                    sink.accept(hit, name + "#" + n + " (_id " + hit.id() + ")");
                    after = hit.sort();
                }
            }
        } finally {
            closePit(rest, pit);
        }
    }

    /**
     * The index expression to read: the index named, or, for a pattern ({@code *}, {@code ,}), the indices it
     * matches without Mem0's bookkeeping ones and without entity stores ({@code *_entities}).
     */
    private String memoryIndices(RestClient rest) {
        if (!index.contains("*") && !index.contains(",")) {
            return index;
        }
        List<String> names = new ArrayList<>();
        for (JsonNode row : send(rest, "GET", "/_cat/indices/" + URLEncoder.encode(index, StandardCharsets.UTF_8)
                + "?h=index&format=json", null)) {
            String name = row.path("index").asText();
            if (!BOOKKEEPING_INDICES.contains(name) && !Mem0Entities.isStore(name)) {
                names.add(name);
            }
        }
        if (names.isEmpty()) {
            throw new InvalidSourceException(identity(), List.of("no index of memories matches '" + index + "' at "
                    + baseUrl + " (Mem0's bookkeeping indices " + BOOKKEEPING_INDICES + " are left out)"), 0);
        }
        names.sort(null);
        return String.join(",", names);
    }

    /**
     * A point in time sees what was refreshed when it opened, and a shard the app has not searched for a while
     * (search-idle) is not refreshed on its own: without this, writes Mem0 made just before the export would be
     * missed. Best effort: a key allowed to read but not to refresh still reads what is refreshed.
     */
    private void refresh(RestClient rest, String indices) {
        try {
            send(rest, "POST", "/" + indices + "/_refresh", null);
        } catch (SourceUnavailableException refused) {
            // not allowed to refresh (or not reachable, which the point in time will say): read what is refreshed
        }
    }

    /**
     * One page of a search response: each hit's source is its {@code _source.metadata}, the payload, cut out of the response bytes as they
     * are (Elasticsearch returns an unfiltered source exactly as it was stored), everything else in {@code _source}
     * (the old vector) is skipped without being decoded.
     */
    static SearchPage<String> page(byte[] response) {
        return SearchPage.parse(response, Mem0ElasticsearchReader::metadataAsStored);
    }

    /** A source's {@code metadata} object as its exact bytes; null if it has none. */
    private static String metadataAsStored(JsonParser parser, byte[] response) throws IOException {
        String payload = null;
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String key = parser.currentName();
            JsonToken inner = parser.nextToken();
            if (key.equals("metadata") && inner == JsonToken.START_OBJECT) {
                int start = (int) parser.currentTokenLocation().getByteOffset();
                parser.skipChildren();
                int end = (int) parser.currentLocation().getByteOffset();
                payload = new String(response, start, end - start, StandardCharsets.UTF_8);
            } else {
                parser.skipChildren();
            }
        }
        return payload;
    }

    /** Mem0's stored payload as the memory object of a Mem0 export ({@link Mem0Payload}); null: none stored. */
    static ObjectNode toMemory(String id, String payloadJson) {
        try {
            return Mem0Payload.toMemory(id, payloadJson == null ? Json.MAPPER.createObjectNode()
                    : Json.MAPPER.readTree(payloadJson));
        } catch (IOException e) {
            throw new UncheckedIOException("a payload cut from a parsed response is JSON", e);
        }
    }

    private void closePit(RestClient rest, String pit) {
        try {
            ObjectNode body = Json.MAPPER.createObjectNode().put("id", pit);
            send(rest, "DELETE", "/_pit", body);
        } catch (RuntimeException ignored) {
            // a point in time left open expires by itself after keep_alive
        }
    }

    /** True if an index or alias of this name exists. */
    private boolean exists(RestClient rest, String name) {
        try {
            // The low-level client answers a HEAD's 404 as a response, not as a ResponseException.
            return rest.performRequest(new Request("HEAD", "/" + URLEncoder.encode(name, StandardCharsets.UTF_8)))
                    .getStatusLine().getStatusCode() != 404;
        } catch (ResponseException e) {
            if (e.getResponse().getStatusLine().getStatusCode() == 404) {
                return false;
            }
            throw new SourceUnavailableException(identity(), "Elasticsearch answered HEAD /" + name + " with "
                    + e.getResponse().getStatusLine().getStatusCode(), e);
        } catch (IOException e) {
            throw new SourceUnavailableException(identity(), "cannot reach Elasticsearch at " + baseUrl + ": " + e, e);
        }
    }

    private JsonNode send(RestClient rest, String method, String path, JsonNode body) {
        try {
            return Json.MAPPER.readTree(sendForBytes(rest, method, path, body));
        } catch (IOException e) {
            throw new SourceUnavailableException(identity(), "Elasticsearch answered " + method + " " + path
                    + " with something that is not JSON: " + e.getMessage(), e);
        }
    }

    /**
     * One call, its answer's bytes. A missing index is a wrong source (as a missing file is); any other failure
     * to get an answer means the store cannot be read, and says nothing of its records.
     */
    private byte[] sendForBytes(RestClient rest, String method, String path, JsonNode body) {
        Request request = new Request(method, path);
        if (body != null) {
            request.setJsonEntity(body.toString());
        }
        try {
            Response response = rest.performRequest(request);
            return EntityUtils.toByteArray(response.getEntity());
        } catch (ResponseException e) {
            Response response = e.getResponse();
            if (response.getStatusLine().getStatusCode() == 404 && path.startsWith("/" + index + "/")) {
                throw new InvalidSourceException(identity(), List.of("Elasticsearch at " + baseUrl + " has no index '"
                        + index + "' (" + method + " " + path + " answered 404)"), 0);
            }
            throw new SourceUnavailableException(identity(), "Elasticsearch answered " + method + " " + path + " with "
                    + response.getStatusLine().getStatusCode() + ": " + abbreviate(body(response)), e);
        } catch (IOException e) {
            throw new SourceUnavailableException(identity(), "cannot reach Elasticsearch at " + baseUrl + ": " + e, e);
        }
    }

    private static String body(Response response) {
        try {
            return response.getEntity() == null ? "" : EntityUtils.toString(response.getEntity());
        } catch (IOException e) {
            return "(no body: " + e.getMessage() + ")";
        }
    }

    private static String abbreviate(String text) {
        return text.length() <= 300 ? text : text.substring(0, 300) + "...";
    }
}
