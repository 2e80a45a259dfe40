package io.memshift.importer;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.ElasticsearchException;
import co.elastic.clients.elasticsearch._types.mapping.Property;
import co.elastic.clients.elasticsearch._types.query_dsl.Query;
import co.elastic.clients.elasticsearch.indices.GetAliasResponse;
import co.elastic.clients.elasticsearch.indices.add_block.IndicesBlockOptions;
import co.elastic.clients.elasticsearch.indices.get_mapping.IndexMappingRecord;
import co.elastic.clients.elasticsearch.indices.update_aliases.Action;
import co.elastic.clients.json.JsonData;
import io.memshift.schemas.Mem0Entities;
import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.time.Instant;
import io.memshift.schemas.DaemonThreads;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates target indices from a layout and a model's vector shape, and moves the read alias between them
 * atomically (a plain cutover, or a take-over of an app's index name).
 *
 * <p>Mem0's entity store follows its collection: whenever alias {@code A} moves to index {@code I}, alias
 * {@code A_entities} moves to {@code I_entities} in the same {@code _aliases} call (or, if {@code I} has no entity
 * store, an index memshift made before it carried entities, is removed, so that a Mem0 app never pairs memories
 * of one model with entities of another). Rollback is a move like any other, so it moves both back.
 */
public final class IndexLifecycle {

    private static final Logger LOG = LoggerFactory.getLogger(IndexLifecycle.class);

    /** The embedded topic an index is filled from (its importer's input), kept in the mapping's _meta. */
    public static final String META_TOPIC = "memshift_topic";
    /** Whether the last `memshift verify` of the index passed: "true" or "false". */
    public static final String META_VERIFY_PASSED = "memshift_verify_passed";
    public static final String META_VERIFY_AT = "memshift_verify_at";
    /**
     * The index an alias pointed to before the last cutover to this one, whichever alias that was; where a rollback
     * goes back to is kept per alias ({@link #cutoverFromKey}).
     */
    public static final String META_CUTOVER_FROM = "memshift_cutover_from";
    /** The {@link DocumentLayout} of the index's documents: "mem0" or "memshift". */
    public static final String META_LAYOUT = "memshift_layout";
    /** The index whose name a take-over cutover gave to this index's alias (see {@link #takeOver}). */
    public static final String META_TOOK_OVER = "memshift_took_over";

    private final ElasticsearchClient es;

    public IndexLifecycle(ElasticsearchClient es) {
        this.es = es;
    }

    /**
     * Creates {@code index} with the layout's mapping if it does not exist, and, for a layout without tombstones,
     * its {@link DeleteLedger}. An existing index is kept only if it has the same layout and its vector field has
     * the model's dimensions: anything else would fail on the first document, after work was already done.
     *
     * @return true if the index was created now
     */
    public boolean ensureIndex(String index, DocumentLayout layout, IndexMapping shape, String sourceTopic) {
        try {
            boolean created = false;
            if (es.indices().exists(e -> e.index(index)).value()) {
                Map<String, String> meta = meta(index);
                DocumentLayout existing = layoutOf(index, meta);
                if (existing != layout) {
                    throw new IllegalStateException("index " + index + " exists with the " + existing.name()
                            + " layout, not " + layout.name() + "; choose another --index or --layout "
                            + existing.name());
                }
                String filledFrom = meta.get(META_TOPIC);
                if (filledFrom != null && !filledFrom.equals(sourceTopic)) {
                    // Another model's (or pipeline's) vectors of the same size would be overwritten without a word.
                    throw new IllegalStateException("index " + index + " is filled from topic " + filledFrom + ", not "
                            + sourceTopic + " (another model or pipeline): choose another --index");
                }
                int existingDims = vectorDims(index, layout);
                if (existingDims != shape.dims()) {
                    throw new IllegalStateException("index " + index + " exists with " + existingDims
                            + "-d vectors but the model makes " + shape.dims()
                            + "-d ones; choose another --index");
                }
            } else {
                Map<String, String> meta = Map.of(META_TOPIC, sourceTopic, META_LAYOUT, layout.name(),
                        "memshift_created_at", Instant.now().toString());
                try {
                    es.indices().create(c -> c.index(index).withJson(new StringReader(layout.indexBody(shape, meta))));
                    created = true;
                } catch (co.elastic.clients.elasticsearch._types.ElasticsearchException e) {
                    if (!alreadyExists(e)) {
                        throw e;
                    }
                    // Another importer of the index (instances start together) created it first: check it as ours.
                    return ensureIndex(index, layout, shape, sourceTopic);
                }
            }
            if (!layout.keepsTombstones()) {
                new DeleteLedger(es, index).ensureExists(shape.replicas());
            }
            return created;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create index " + index, e);
        }
    }

    /**
     * {@link #ensureIndex} of several indices (a collection and its entity store, say) at once, each in a thread of
     * its own: an index creation waits for its shard to start, and one after another, each with its ledger, they
     * took up to a second at the start of every migration.
     *
     * @return the indices created now
     * @throws RuntimeException the first failure, once every creation has ended
     */
    public Set<String> ensureIndices(List<String> indices, DocumentLayout layout, IndexMapping shape,
                                     String sourceTopic) {
        Set<String> created = java.util.concurrent.ConcurrentHashMap.newKeySet();
        DaemonThreads.runTogether(indices, index -> "memshift-create-index", index -> {
            if (ensureIndex(index, layout, shape, sourceTopic)) {
                created.add(index);
            }
        });
        return created;
    }

    /** Elasticsearch's answer to creating an index that exists: someone else created it a moment before. */
    static boolean alreadyExists(co.elastic.clients.elasticsearch._types.ElasticsearchException e) {
        return e.error() != null && "resource_already_exists_exception".equals(e.error().type());
    }

    /**
     * The layout of an existing index: as its _meta records it, else told by its vector field (an index memshift
     * made before layouts has {@code embedding}; one Mem0 made itself has {@code vector}).
     */
    public DocumentLayout layoutOf(String index) {
        return layoutOf(index, meta(index));
    }

    /** {@link #layoutOf(String)} with the index's _meta already read. */
    private DocumentLayout layoutOf(String index, Map<String, String> meta) {
        String recorded = meta.get(META_LAYOUT);
        if (recorded != null) {
            return DocumentLayout.named(recorded);
        }
        Map<String, Property> properties = properties(index);
        return properties.containsKey(DocumentLayout.MEMSHIFT.vectorField()) || !properties.containsKey(
                DocumentLayout.MEM0.vectorField()) ? DocumentLayout.MEMSHIFT : DocumentLayout.MEM0;
    }

    private int vectorDims(String index, DocumentLayout layout) {
        Property vector = properties(index).get(layout.vectorField());
        if (vector == null || !vector.isDenseVector() || vector.denseVector().dims() == null) {
            throw new IllegalStateException("index " + index + " exists but has no dense_vector field '"
                    + layout.vectorField() + "'; choose another --index");
        }
        return vector.denseVector().dims();
    }

    private Map<String, Property> properties(String index) {
        try {
            IndexMappingRecord record = es.indices().getMapping(m -> m.index(index)).result().values().stream()
                    .findFirst().orElse(null);
            return record == null ? Map.of() : record.mappings().properties();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the mapping of " + index, e);
        }
    }

    /**
     * Deletes each of {@code indices} that no alias serves, with its delete ledger: an index a refused run created
     * is not left behind for the user to find and clean up. Whatever it holds came from the pipeline's topics, which
     * keep it; a re-run creates the index again and fills it from the start.
     *
     * @return the indices deleted
     */
    public List<String> deleteUnserved(List<String> indices) {
        List<String> deleted = new ArrayList<>();
        try {
            Map<String, Set<String>> aliases = aliasesByIndex();
            for (String index : indices) {
                if (!exists(index) || !aliases.getOrDefault(index, Set.of()).isEmpty()) {
                    continue;
                }
                es.indices().delete(d -> d.index(index, DeleteLedger.indexFor(index)).ignoreUnavailable(true));
                deleted.add(index);
            }
            return deleted;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove the indices " + indices, e);
        }
    }

    /**
     * How many documents of a Mem0-layout index something other than memshift wrote: Mem0 writes a memory it adds
     * as {@code vector} and {@code metadata} only, without memshift's own {@code memshift} object. After a cutover,
     * those are the memories the app added through the alias. 0 for the memshift layout, which apps do not write.
     */
    public long writtenByOthers(String index) {
        DocumentLayout layout = layoutOf(index);
        if (layout != DocumentLayout.MEM0) {
            return 0;
        }
        try {
            es.indices().refresh(r -> r.index(index));
            return es.count(c -> c.index(index).query(q -> q.bool(b -> b.mustNot(n -> n.exists(
                    e -> e.field(layout.modelNameField())))))).count();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot count the documents of " + index, e);
        }
    }

    public boolean exists(String index) {
        try {
            return es.indices().exists(e -> e.index(index)).value();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot check index " + index, e);
        }
    }

    /** memshift's notes on an index (the mapping's _meta), as strings. */
    public Map<String, String> meta(String index) {
        try {
            IndexMappingRecord record = es.indices().getMapping(m -> m.index(index)).result().values().stream()
                    .findFirst().orElse(null);
            Map<String, String> meta = new HashMap<>();
            if (record != null && record.mappings().meta() != null) {
                record.mappings().meta().forEach((key, value) -> meta.put(key, value.to(Object.class).toString()));
            }
            return meta;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the mapping of " + index, e);
        }
    }

    /** Every index that records the topic it is filled from ({@link #META_TOPIC}), with that topic. */
    public Map<String, String> filledFrom() {
        try {
            Map<String, String> topics = new java.util.TreeMap<>();
            es.indices().getMapping().result().forEach((index, record) -> {
                if (record.mappings() != null && record.mappings().meta() != null
                        && record.mappings().meta().containsKey(META_TOPIC)) {
                    topics.put(index, record.mappings().meta().get(META_TOPIC).to(Object.class).toString());
                }
            });
            return topics;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the mappings of the indices", e);
        }
    }

    /** The aliases on each index that has any. */
    public Map<String, Set<String>> aliasesByIndex() {
        try {
            Map<String, Set<String>> aliases = new java.util.TreeMap<>();
            es.indices().getAlias().result().forEach((index, record) -> {
                if (!record.aliases().isEmpty()) {
                    aliases.put(index, new TreeSet<>(record.aliases().keySet()));
                }
            });
            return aliases;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the aliases", e);
        }
    }

    /** Adds or replaces notes in an index's _meta, keeping the others (ES replaces _meta as a whole). */
    public void putMeta(String index, Map<String, String> updates) {
        Map<String, String> meta = new HashMap<>(meta(index));
        meta.putAll(updates);
        Map<String, JsonData> json = new HashMap<>();
        meta.forEach((key, value) -> json.put(key, JsonData.of(value)));
        try {
            es.indices().putMapping(m -> m.index(index).meta(json));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot update the _meta of " + index, e);
        }
    }

    /** The indices {@code alias} points to now (empty if the alias does not exist). */
    public Set<String> aliasTargets(String alias) {
        try {
            GetAliasResponse response = es.indices().getAlias(a -> a.name(alias));
            return new TreeSet<>(response.result().keySet());
        } catch (ElasticsearchException e) {
            if (e.status() == 404) {
                return Set.of();
            }
            throw e;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read alias " + alias, e);
        }
    }

    /**
     * The index behind {@code name}: the one it is an alias of, or {@code name} itself if it is no alias.
     *
     * @throws IllegalArgumentException if it is an alias of several indices, naming them
     */
    public String indexBehind(String name) {
        Set<String> targets = aliasTargets(name);
        if (targets.size() > 1) {
            throw new IllegalArgumentException(name + " is an alias of several indices " + targets + "; name one of them");
        }
        return targets.isEmpty() ? name : targets.iterator().next();
    }

    /**
     * Points {@code alias} at {@code index} alone, in one {@code _aliases} call: readers see the old index or
     * the new one, never none and never both. The alias filters out what the index's layout hides from readers
     * (tombstones of deleted memories), if anything.
     *
     * @return the indices the alias pointed to before
     */
    public Set<String> pointAlias(String alias, String index) {
        if (isIndex(alias)) {
            throw new IllegalStateException("cannot use '" + alias + "' as an alias: an index has that name (an app's"
                    + " collection?); to give its name to " + index + ", keeping a copy of it for rollback, run: memshift"
                    + " cutover --alias " + alias + " --index " + index + " --take-over-index");
        }
        String entityAlias = Mem0Entities.storeOf(alias);
        if (isIndex(entityAlias)) {
            throw new IllegalStateException("cannot use '" + entityAlias + "' as the alias of the entity store "
                    + Mem0Entities.storeOf(index) + ": an index has that name (a Mem0 app's entity store of collection '"
                    + alias + "'?); move its entities elsewhere or delete it, or give both names to " + index
                    + " with: memshift cutover --alias " + alias + " --index " + index + " --take-over-index");
        }
        Set<String> previous = aliasTargets(alias);
        List<Action> actions = new ArrayList<>(moveActions(alias, index, previous));
        actions.addAll(moveActions(entityAlias, entityStoreOf(index), aliasTargets(entityAlias)));
        try {
            es.indices().updateAliases(u -> u.actions(actions));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot move alias " + alias + " to " + index, e);
        }
        return previous;
    }

    /** The entity store beside {@code index}, or null if it has none (made before memshift carried entities). */
    private String entityStoreOf(String index) {
        String store = Mem0Entities.storeOf(index);
        return exists(store) ? store : null;
    }

    /**
     * The actions that take {@code alias} from the indices it points to now ({@code current}) to {@code index}
     * alone, or, for a null {@code index}, to none.
     */
    private List<Action> moveActions(String alias, String index, Set<String> current) {
        List<Action> actions = new ArrayList<>();
        for (String old : current) {
            if (!old.equals(index)) {
                actions.add(Action.of(a -> a.remove(r -> r.index(old).alias(alias))));
            }
        }
        if (index != null) {
            actions.add(addAlias(alias, index));
        }
        return actions;
    }

    /**
     * Points {@code alias} at {@code index} and notes, in the new index's _meta, the index it pointed to before
     * (if exactly one), which is where {@link #rollback(String)} goes back to.
     *
     * @return the indices the alias pointed to before
     */
    public Set<String> cutover(String alias, String index) {
        Set<String> previous = pointAlias(alias, index);
        if (previous.size() == 1 && !previous.contains(index)) {
            String from = previous.iterator().next();
            putMeta(index, Map.of(META_CUTOVER_FROM, from, cutoverFromKey(alias), from));
        }
        return previous;
    }

    /**
     * Where {@code alias} pointed before its last cutover to an index, kept in that index's _meta under this key:
     * an index two aliases were cut over to goes back, for each, to that alias's own earlier index.
     */
    static String cutoverFromKey(String alias) {
        return META_CUTOVER_FROM + ":" + alias;
    }

    /**
     * Points {@code alias} back at the index it pointed to before the last cutover to its current index.
     *
     * @return {@code [from, to]}
     */
    public List<String> rollback(String alias) {
        Set<String> current = aliasTargets(alias);
        if (current.size() != 1) {
            throw new IllegalStateException("alias " + alias + " points to " + (current.isEmpty() ? "no index"
                    : current) + "; rollback needs it to point to exactly one");
        }
        String from = current.iterator().next();
        Map<String, String> meta = meta(from);
        // An index cut over to by an earlier memshift records only the last cutover, whichever alias it moved.
        String to = meta.containsKey(cutoverFromKey(alias)) ? meta.get(cutoverFromKey(alias))
                : meta.keySet().stream().anyMatch(k -> k.startsWith(META_CUTOVER_FROM + ":")) ? null
                : meta.get(META_CUTOVER_FROM);
        if (to == null) {
            throw new IllegalStateException("index " + from + " records no earlier index of alias " + alias
                    + " to roll back to (no memshift cutover moved " + alias + " to it)");
        }
        if (!exists(to)) {
            throw new IllegalStateException("cannot roll back alias " + alias + " to " + to + ": that index no longer exists");
        }
        pointAlias(alias, to);
        return List.of(from, to);
    }

    private Action addAlias(String alias, String index) {
        Optional<Query> filter = layoutOf(index).aliasFilter();
        return Action.of(a -> a.add(add -> {
            add.index(index).alias(alias);
            filter.ifPresent(add::filter);
            return add;
        }));
    }

    /**
     * A cutover for an app that keeps its collection name: gives the name of the existing index {@code name} to
     * an alias of {@code index}. The old index is kept for rollback as {@code keepAs}: it is blocked for writes,
     * cloned ({@code _clone}: hard links, no copy of the documents, and it needs no reindex module, which the
     * embedded Elasticsearch lacks), the clone's write block lifted; then one {@code _aliases} call removes the old
     * index and points the alias {@code name} at {@code index}, so readers never see the name missing. If anything
     * fails before that call, the write blocks are lifted again and the clones removed: the app goes on as before.
     *
     * <p>The app's entity store, {@code name_entities}, is taken over with it: kept as {@code keepAs_entities} the
     * same way, and, in the same {@code _aliases} call, replaced by an alias of {@code index}'s entity store.
     *
     * <p>Writes to {@code name} between the block and the swap (a second or so) are refused: the app should pause
     * writing, or its failed writes be sent again after.
     *
     * @return the copy the old index was kept as
     */
    public String takeOver(String name, String index, String keepAs) {
        if (!isIndex(name)) {
            throw new IllegalStateException("'" + name + "' is not an index (an alias, or nothing): nothing to take"
                    + " over; run cutover without --take-over-index");
        }
        if (name.equals(index) || !exists(index)) {
            throw new IllegalStateException("index " + index + " does not exist or is the one to take over");
        }
        String entityName = Mem0Entities.storeOf(name);
        String entityKeepAs = Mem0Entities.storeOf(keepAs);
        // The app's own entity store, an index of that name, is kept and replaced like its collection.
        boolean entityStore = isIndex(entityName);
        for (String copy : entityStore ? List.of(keepAs, entityKeepAs) : List.of(keepAs)) {
            if (exists(copy)) {
                throw new IllegalStateException("index " + copy + " exists already; choose another name to keep "
                        + name + " as");
            }
        }
        Map<String, String> copies = new LinkedHashMap<>();
        copies.put(name, keepAs);
        if (entityStore) {
            copies.put(entityName, entityKeepAs);
        }
        List<String> blocked = new ArrayList<>();
        List<String> cloned = new ArrayList<>();
        boolean swapped = false;
        try {
            for (Map.Entry<String, String> copy : copies.entrySet()) {
                keepCopy(copy.getKey(), copy.getValue(), blocked, cloned);
            }
            List<Action> actions = new ArrayList<>();
            actions.add(Action.of(a -> a.removeIndex(r -> r.index(name))));
            actions.add(addAlias(name, index));
            if (entityStore) {
                actions.add(Action.of(a -> a.removeIndex(r -> r.index(entityName))));
                actions.addAll(moveActions(entityName, entityStoreOf(index), Set.of()));
            } else {
                actions.addAll(moveActions(entityName, entityStoreOf(index), aliasTargets(entityName)));
            }
            es.indices().updateAliases(u -> u.actions(actions));
            swapped = true;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot take over index " + name + ": " + e.getMessage(), e);
        } finally {
            if (!swapped) {
                undoTakeOver(blocked, cloned);
            }
        }
        putMeta(index, Map.of(META_CUTOVER_FROM, keepAs, cutoverFromKey(name), keepAs, META_TOOK_OVER, name));
        return keepAs;
    }

    /** Blocks {@code name} for writes and clones it as {@code keepAs}, checking the copy holds every document. */
    private void keepCopy(String name, String keepAs, List<String> blocked, List<String> cloned) throws IOException {
        es.indices().addBlock(b -> b.index(name).block(IndicesBlockOptions.Write));
        blocked.add(name);
        es.indices().clone(c -> c.index(name).target(keepAs).waitForActiveShards(w -> w.count(1))
                .settings("index.blocks.write", JsonData.of(false)));
        cloned.add(keepAs);
        es.indices().refresh(r -> r.index(name + "," + keepAs));
        long original = es.count(c -> c.index(name)).count();
        long copy = es.count(c -> c.index(keepAs)).count();
        if (original != copy) {
            throw new IllegalStateException("the copy " + keepAs + " holds " + copy + " documents, " + name
                    + " holds " + original);
        }
    }

    private void undoTakeOver(List<String> blocked, List<String> cloned) {
        for (String name : blocked) {
            try {
                es.indices().putSettings(p -> p.index(name).settings(s -> s.blocks(b -> b.write(false))));
            } catch (IOException | RuntimeException e) {
                LOG.warn("could not undo the take-over of {} (lift its write block by hand: PUT {}/_settings"
                        + " {{\"index.blocks.write\": false}}): {}", name, name, e.getMessage());
            }
        }
        for (String copy : cloned) {
            try {
                es.indices().delete(d -> d.index(copy));
            } catch (IOException | RuntimeException e) {
                LOG.warn("could not remove the copy {} of a take-over that did not happen: {}", copy, e.getMessage());
            }
        }
    }

    /** True if {@code name} is an index of its own, not an alias. */
    public boolean isIndex(String name) {
        try {
            return es.indices().exists(e -> e.index(name)).value() && aliasTargets(name).isEmpty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot check index " + name, e);
        }
    }
}
