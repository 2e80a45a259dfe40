package io.memshift.exporter;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.memshift.schemas.Mem0Entities;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * Mem0's default vector store, Qdrant, read whole with the scroll API ({@code POST /collections/{c}/points/scroll},
 * page after page until {@code next_page_offset} is null). Mem0's layout: the point id is the memory id (a UUID;
 * Qdrant also allows unsigned integers, read as their decimal text); the payload is the memory's payload, read by
 * {@link Mem0Payload}. The old vectors are not read: they belong to the old model.
 *
 * <p>Scrolling is not a snapshot: a point the app writes while the export runs may or may not be read, and the
 * source has no {@link Stamp}. Every run reads it whole; the exporter skips what the topic already holds at the
 * same version or a newer one. Points come in id order, the same in the validation and the publishing pass.
 *
 * <p>Mem0 v3 keeps its entities in the sibling collection {@code <collection>_entities}; {@link #forEachEntity}
 * reads them.
 */
public final class Mem0QdrantReader implements MemorySource, EntitySource {

    public static final String ENTITIES_SUFFIX = Mem0Entities.SUFFIX;
    /** Mem0's bookkeeping collections (a telemetry id, the TypeScript SDK's user id): never memories. */
    private static final Set<String> BOOKKEEPING = Set.of("mem0migrations", "memory_migrations");
    static final int PAGE = 1000;

    private final QdrantClient client;
    private final String collection;
    private final int pageSize;

    public Mem0QdrantReader(QdrantClient client, String collection) {
        this(client, collection, PAGE);
    }

    Mem0QdrantReader(QdrantClient client, String collection, int pageSize) {
        if (BOOKKEEPING.contains(collection)) {
            throw new IllegalArgumentException("'" + collection + "' is Mem0's bookkeeping collection, not its"
                    + " memories; name the collection Mem0 stores memories in (Mem0's default: mem0)");
        }
        if (Mem0Entities.isStore(collection)) {
            throw new IllegalArgumentException("'" + collection + "' is Mem0's entity store of '" + collection.substring(0,
                    collection.length() - ENTITIES_SUFFIX.length()) + "'; name that collection: its entities are read with it");
        }
        this.client = client;
        this.collection = collection;
        this.pageSize = pageSize;
    }

    /**
     * @param url {@code http(s)://host:6333/<collection>}
     * @param env where the key is looked up ({@value QdrantClient#API_KEY_ENV}; none for an open server)
     */
    public static Mem0QdrantReader open(String url, Map<String, String> env) {
        int slash = url.lastIndexOf('/');
        if (!url.startsWith("http://") && !url.startsWith("https://") || slash <= url.indexOf("//") + 1
                || slash == url.length() - 1) {
            throw new IllegalArgumentException("mem0-qdrant source must look like http(s)://host:6333/<collection>,"
                    + " got '" + url + "'");
        }
        return new Mem0QdrantReader(QdrantClient.fromEnv(url.substring(0, slash), env), url.substring(slash + 1));
    }

    @Override
    public String kind() {
        return "mem0-qdrant";
    }

    @Override
    public String identity() {
        return client.baseUrl() + "/" + collection;
    }

    @Override
    public String shortName() {
        return collection;
    }

    @Override
    public Optional<Stamp> stamp() {
        return Optional.empty();
    }

    /** The collection Mem0 keeps this store's entities in. */
    public String entitiesCollection() {
        return Mem0Entities.storeOf(collection);
    }

    /** @throws InvalidSourceException if the collection does not exist */
    @Override
    public void forEach(Consumer<SourceMemory> sink) {
        if (client.collection(collection).isEmpty()) {
            throw new InvalidSourceException(identity(), List.of("Qdrant at " + client.baseUrl() + " has no collection '"
                    + collection + "' (GET /collections/" + collection + " answered 404)"), 0);
        }
        scroll(collection, (point, position) -> {
            String id = pointId(point);
            JsonNode payload = point.path("payload");
            ObjectNode memory = Mem0Payload.toMemory(id, payload);
            // The payload as Qdrant serves it (keys in order, decimals exact), for the mem0 layout to write verbatim.
            String json = payload.isObject() ? MemoryEventConverter.toJson(payload) : null;
            sink.accept(new SourceMemory(memory, position, null, json));
        });
    }

    @Override
    public void forEachEntity(Consumer<SourceEntity> sink) {
        String entities = entitiesCollection();
        if (client.collection(entities).isEmpty()) {
            return;
        }
        scroll(entities, (point, position) -> {
            JsonNode payload = point.path("payload");
            String json = payload.isMissingNode() || payload.isNull() ? "{}" : MemoryEventConverter.toJson(payload);
            sink.accept(new SourceEntity(pointId(point), json, position));
        });
    }

    /** Calls {@code sink} with every point of {@code name} and its position, page after page. */
    private void scroll(String name, BiConsumer<JsonNode, String> sink) {
        JsonNode offset = null;
        long n = 0;
        do {
            QdrantClient.ScrollPage page = client.scroll(name, pageSize, offset);
            for (JsonNode point : page.points()) {
                n++;
                sink.accept(point, name + "#" + n + " (id " + pointId(point) + ")");
            }
            if (page.nextOffset() != null && page.nextOffset().equals(offset)) {
                // A server that answers the same page again would otherwise be read forever.
                throw new QdrantClient.QdrantException(client.baseUrl(), "Qdrant at " + client.baseUrl() + " answered the scroll of '"
                        + name + "' from offset " + offset + " with that same offset as the next one", 0);
            }
            offset = page.nextOffset();
        } while (offset != null);
    }

    /** A point id is a UUID string or an unsigned integer; either way the memory id is its text. */
    private static String pointId(JsonNode point) {
        JsonNode id = point.get("id");
        return id == null || id.isNull() ? null : id.asText();
    }
}
