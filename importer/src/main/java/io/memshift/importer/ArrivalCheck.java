package io.memshift.importer;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch.core.MgetResponse;
import co.elastic.clients.elasticsearch.core.get.GetResult;
import co.elastic.clients.elasticsearch.core.mget.MultiGetResponseItem;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.memshift.schemas.Mem0Entities;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Tracks which memories have not yet arrived in an index: a memory has arrived when the index holds its id at
 * the expected version or a newer one, or when it was deleted since at a newer version (a tombstone, or, in a
 * layout without tombstones, a delete recorded in the {@link DeleteLedger}). Each {@link #check()} asks only about
 * the memories still missing, so the work shrinks as the import proceeds.
 *
 * <p>The entities of Mem0's entity store are tracked the same way in the index's entity store
 * ({@code <index>_entities}); the check is done when both are complete.
 *
 * <p>It keeps every id it is given, so {@code migrate} decides the bulk load's arrival from the logs' offsets instead
 * ({@code control.LogArrival}); this is for small sets of known changes ({@code --follow}'s polled changes) and for
 * tests that look at the index itself.
 */
public final class ArrivalCheck {

    private static final int IDS_PER_REQUEST = 1000;

    private final ElasticsearchClient es;
    private final DocumentLayout layout;
    private final Target memories;
    private final Target entities;

    /** Memories only. */
    public ArrivalCheck(ElasticsearchClient es, String index, DocumentLayout layout, Map<String, Long> expectedVersions) {
        this(es, index, layout, expectedVersions, Map.of());
    }

    /**
     * @param expectedVersions         each memory's expected version in {@code index}
     * @param expectedEntityVersions   each entity's expected version in {@code <index>_entities}
     */
    public ArrivalCheck(ElasticsearchClient es, String index, DocumentLayout layout, Map<String, Long> expectedVersions,
                        Map<String, Long> expectedEntityVersions) {
        this.es = es;
        this.layout = layout;
        this.memories = new Target(index, expectedVersions);
        this.entities = new Target(Mem0Entities.storeOf(index), expectedEntityVersions);
    }

    /** One index and what it still lacks. */
    private final class Target {
        final String index;
        /** Null for a layout that keeps tombstones. */
        final DeleteLedger ledger;
        final Map<String, Long> missing;
        long arrivedDeleted;

        Target(String index, Map<String, Long> expected) {
            this.index = index;
            this.ledger = layout.keepsTombstones() ? null : new DeleteLedger(es, index);
            this.missing = new HashMap<>(expected);
        }

        void check() {
            List<String> ids = new ArrayList<>(missing.keySet());
            for (int from = 0; from < ids.size(); from += IDS_PER_REQUEST) {
                List<String> chunk = ids.subList(from, Math.min(ids.size(), from + IDS_PER_REQUEST));
                MgetResponse<ObjectNode> response;
                try {
                    List<String> fields = layout.tombstoneFields();
                    response = es.mget(m -> m.index(index).ids(chunk).realtime(true)
                            .source(s -> fields.isEmpty() ? s.fetch(false) : s.fields(fields)), ObjectNode.class);
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot look up memories in " + index, e);
                }
                List<String> notThere = new ArrayList<>();
                for (MultiGetResponseItem<ObjectNode> item : response.docs()) {
                    if (!item.isResult()) {
                        continue;
                    }
                    GetResult<ObjectNode> doc = item.result();
                    Long expected = missing.get(doc.id());
                    if (doc.found() && expected != null && doc.version() != null && doc.version() >= expected) {
                        missing.remove(doc.id());
                        if (doc.source() != null && layout.isTombstone(doc.source())) {
                            arrivedDeleted++;
                        }
                    } else if (!doc.found()) {
                        notThere.add(doc.id());
                    }
                }
                if (ledger != null) {
                    ledger.versions(notThere).forEach((id, deletedAt) -> {
                        if (deletedAt >= missing.get(id)) {
                            missing.remove(id);
                            arrivedDeleted++;
                        }
                    });
                }
            }
        }
    }

    /** Looks up the memories and entities still missing; returns how many are still missing after it. */
    public int check() {
        memories.check();
        entities.check();
        return missingCount();
    }

    /** Memories and entities still missing. */
    public int missingCount() {
        return memories.missing.size() + entities.missing.size();
    }

    /** Entities still missing (counted in {@link #missingCount()} too). */
    public int missingEntities() {
        return entities.missing.size();
    }

    /** A few of the ids still missing, memories first, for an error message. */
    public List<String> someMissing(int limit) {
        return Stream.concat(memories.missing.keySet().stream().sorted(),
                entities.missing.keySet().stream().sorted().map(id -> "entity " + id)).limit(limit).toList();
    }

    /** Memories that arrived deleted: deleted at the source after they were exported. */
    public long arrivedDeleted() {
        return memories.arrivedDeleted;
    }
}
