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
import java.util.Set;
import java.util.TreeSet;

/** Creates target indices from a model's mapping and moves the read alias between them atomically. */
public final class IndexLifecycle {

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
    public boolean ensureIndex(String index, IndexMapping mapping) {
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
            es.indices().create(c -> c.index(index).withJson(new StringReader(mapping.toJson())));
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

    private boolean isConcreteIndex(String alias) {
        try {
            return es.indices().exists(e -> e.index(alias)).value() && aliasTargets(alias).isEmpty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot check index " + alias, e);
        }
    }
}
