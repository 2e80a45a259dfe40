package io.memshift.importer;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.ElasticsearchException;
import co.elastic.clients.elasticsearch._types.mapping.Property;
import co.elastic.clients.elasticsearch.indices.GetAliasResponse;
import co.elastic.clients.elasticsearch.indices.get_mapping.IndexMappingRecord;
import co.elastic.clients.elasticsearch.indices.update_aliases.Action;
import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.HashMap;
import java.time.Instant;
import co.elastic.clients.json.JsonData;
import java.util.Set;
import java.util.TreeSet;

/** Creates target indices from a model's mapping and moves the read alias between them atomically. */
public final class IndexLifecycle {

    /** The embedded topic an index is filled from (its importer's input), kept in the mapping's _meta. */
    public static final String META_TOPIC = "memshift_topic";
    /** Whether the last `memshift verify` of the index passed: "true" or "false". */
    public static final String META_VERIFY_PASSED = "memshift_verify_passed";
    public static final String META_VERIFY_AT = "memshift_verify_at";
    /** The index the alias pointed to before a cutover to this one: where a rollback goes back to. */
    public static final String META_CUTOVER_FROM = "memshift_cutover_from";

    private final ElasticsearchClient es;

    public IndexLifecycle(ElasticsearchClient es) {
        this.es = es;
    }

    /**
     * Creates {@code index} if it does not exist. An existing index is kept only if its vector field has the
     * model's dimensions: anything else would fail on the first document, after work was already done.
     *
     * @return true if the index was created now
     */
    public boolean ensureIndex(String index, IndexMapping mapping, String sourceTopic) {
        try {
            if (es.indices().exists(e -> e.index(index)).value()) {
                int existingDims = vectorDims(index);
                if (existingDims != mapping.dims()) {
                    throw new IllegalStateException("index " + index + " exists with " + existingDims
                            + "-d vectors but the model makes " + mapping.dims()
                            + "-d ones; choose another --index");
                }
                return false;
            }
            Map<String, String> meta = Map.of(META_TOPIC, sourceTopic, "memshift_created_at", Instant.now().toString());
            es.indices().create(c -> c.index(index).withJson(new StringReader(mapping.toJson(meta))));
            return true;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create index " + index, e);
        }
    }

    private int vectorDims(String index) throws IOException {
        IndexMappingRecord record = es.indices().getMapping(m -> m.index(index)).result().get(index);
        Property vector = record == null ? null : record.mappings().properties().get("embedding");
        if (vector == null || !vector.isDenseVector() || vector.denseVector().dims() == null) {
            throw new IllegalStateException("index " + index + " exists but is not a memshift index (no"
                    + " dense_vector field 'embedding'); choose another --index");
        }
        return vector.denseVector().dims();
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
            IndexMappingRecord record = es.indices().getMapping(m -> m.index(index)).result().get(index);
            Map<String, String> meta = new HashMap<>();
            if (record != null && record.mappings().meta() != null) {
                record.mappings().meta().forEach((key, value) -> meta.put(key, value.to(Object.class).toString()));
            }
            return meta;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the mapping of " + index, e);
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
     * the new one, never none and never both. The alias filters out tombstones of deleted memories.
     *
     * @return the indices the alias pointed to before
     */
    public Set<String> pointAlias(String alias, String index) {
        if (isConcreteIndex(alias)) {
            throw new IllegalStateException("cannot use '" + alias + "' as an alias: an index has that name");
        }
        Set<String> previous = aliasTargets(alias);
        List<Action> actions = new ArrayList<>();
        for (String old : previous) {
            if (!old.equals(index)) {
                actions.add(Action.of(a -> a.remove(r -> r.index(old).alias(alias))));
            }
        }
        actions.add(Action.of(a -> a.add(add -> add.index(index).alias(alias)
                .filter(f -> f.bool(b -> b.mustNot(m -> m.term(t -> t.field("deleted").value(true))))))));
        try {
            es.indices().updateAliases(u -> u.actions(actions));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot move alias " + alias + " to " + index, e);
        }
        return previous;
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
            putMeta(index, Map.of(META_CUTOVER_FROM, previous.iterator().next()));
        }
        return previous;
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
        String to = meta(from).get(META_CUTOVER_FROM);
        if (to == null) {
            throw new IllegalStateException("index " + from + " records no earlier index to roll back to"
                    + " (it was not reached by a memshift cutover)");
        }
        if (!exists(to)) {
            throw new IllegalStateException("cannot roll back alias " + alias + " to " + to + ": that index no longer exists");
        }
        pointAlias(alias, to);
        return List.of(from, to);
    }

    private boolean isConcreteIndex(String alias) {
        try {
            return es.indices().exists(e -> e.index(alias)).value() && aliasTargets(alias).isEmpty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot check index " + alias, e);
        }
    }
}
