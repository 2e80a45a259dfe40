package io.memshift.importer;

import java.util.Collection;
import java.util.Map;

/**
 * One operation of a {@code _bulk} request: a document written to, or removed from, one index under an external
 * version ({@code version_type=external_gte}), so that a replay or a duplicate changes nothing and an older version
 * never overwrites a newer one.
 *
 * @param index    the index the operation is on
 * @param id       the document's {@code _id}
 * @param version  the external version
 * @param document what an index operation writes (a map of what Jackson writes, {@link VectorJson},
 *                 {@link VerbatimJson}); null for a removal
 */
record BulkAction(String index, String id, long version, Object document) {

    static BulkAction write(String index, String id, long version, Object document) {
        if (document == null) {
            throw new IllegalArgumentException("an index operation needs a document (id " + id + ")");
        }
        return new BulkAction(index, id, version, document);
    }

    static BulkAction remove(String index, String id, long version) {
        return new BulkAction(index, id, version, null);
    }

    boolean isRemoval() {
        return document == null;
    }

    /**
     * Whether a SMILE bulk keeps this operation's document exactly: true unless it holds source JSON
     * ({@link VerbatimJson}) that Elasticsearch would give back in other bytes.
     */
    boolean exactInBinary() {
        return exactInBinary(document);
    }

    private static boolean exactInBinary(Object value) {
        if (value instanceof VerbatimJson verbatim) {
            return verbatim.survivesBinary();
        }
        if (value instanceof Map<?, ?> map) {
            return map.values().stream().allMatch(BulkAction::exactInBinary);
        }
        if (value instanceof Collection<?> values) {
            return values.stream().allMatch(BulkAction::exactInBinary);
        }
        return true;
    }
}
