package io.memshift.importer;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch.core.MgetResponse;
import co.elastic.clients.elasticsearch.core.mget.MultiGetResponseItem;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.memshift.schemas.MemoryEvent;
import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The deletes applied to an index whose layout keeps no tombstones (the mem0 layout), recorded in a side index
 * of their own, {@code <index>-memshift-deletes}, that no alias points to and Mem0 never reads.
 *
 * <p>Why: a delete removes the document, so that Mem0's {@code get} (a GET by id, which no alias filter
 * reaches), {@code search} and {@code getAll} never return a ghost. But Elasticsearch forgets the version of a
 * removed document after {@code index.gc_deletes} (60 s by default), after which a late, older upsert of the same
 * memory would be indexed again. So each delete is also recorded here: one document per memory, {@code _id} =
 * memory id, versioned externally with the delete's version (a plain document, never forgotten). Before each bulk
 * the importer asks this ledger, in one {@code mget}, about the memories it is about to upsert, and drops any
 * upsert at or below a recorded delete. The arrival check and {@code verify} count a recorded delete at or above a
 * memory's version as that memory having arrived, deleted.
 */
public final class DeleteLedger {

    private static final String SUFFIX = "-memshift-deletes";

    private final ElasticsearchClient es;
    private final String ledger;

    /** The ledger of {@code index}. */
    public DeleteLedger(ElasticsearchClient es, String index) {
        this.es = es;
        this.ledger = indexFor(index);
    }

    /** The name of the ledger index of {@code index}. */
    public static String indexFor(String index) {
        return index + SUFFIX;
    }

    /** True for the name of a ledger index. */
    public static boolean isLedger(String index) {
        return index.endsWith(SUFFIX);
    }

    public String index() {
        return ledger;
    }

    /** Creates the ledger if it does not exist yet. */
    void ensureExists(int replicas) {
        try {
            if (!es.indices().exists(e -> e.index(ledger)).value()) {
                String body = "{\"settings\":{\"index\":{\"number_of_shards\":1,\"number_of_replicas\":" + replicas
                        + "}},\"mappings\":{\"dynamic\":\"strict\",\"properties\":{\"memory_id\":{\"type\":\"keyword\"},"
                        + "\"deleted_at\":{\"type\":\"keyword\",\"index\":false},\"version\":{\"type\":\"long\"}}}}";
                try {
                    es.indices().create(c -> c.index(ledger).withJson(new StringReader(body)));
                } catch (co.elastic.clients.elasticsearch._types.ElasticsearchException e) {
                    // Another importer of the index created it a moment before: it is the same ledger.
                    if (!IndexLifecycle.alreadyExists(e)) {
                        throw e;
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the delete ledger " + ledger, e);
        }
    }

    /** The recorded delete version of each of {@code ids} that has one, in one realtime {@code mget}. */
    public Map<String, Long> versions(Collection<String> ids) {
        Map<String, Long> versions = new HashMap<>();
        if (ids.isEmpty()) {
            return versions;
        }
        List<String> list = new ArrayList<>(ids);
        MgetResponse<ObjectNode> response;
        try {
            response = es.mget(m -> m.index(ledger).ids(list).source(s -> s.fetch(false)).realtime(true), ObjectNode.class);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the delete ledger " + ledger, e);
        }
        for (MultiGetResponseItem<ObjectNode> item : response.docs()) {
            if (item.isFailure()) {
                throw new ImportException("cannot read the delete ledger " + ledger + " for memory " + item.failure().id()
                        + ": " + item.failure().error().reason());
            }
            if (item.result().found() && item.result().version() != null) {
                versions.put(item.result().id(), item.result().version());
            }
        }
        return versions;
    }

    /** The bulk operation that records a delete (a no-op, 409, if a later delete is recorded already). */
    BulkAction record(MemoryEvent delete) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("memory_id", delete.getId());
        MemshiftLayout.putIfPresent(doc, "deleted_at", delete.getUpdatedAt());
        doc.put("version", delete.getVersion());
        return BulkAction.write(ledger, delete.getId(), delete.getVersion(), doc);
    }
}
