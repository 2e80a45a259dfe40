package io.memshift.importer;

/**
 * What a bulk write did, item by item.
 *
 * @param indexed    memories written (created or replaced by an equal or newer version)
 * @param tombstoned deletes written as tombstones
 * @param stale      items Elasticsearch refused because it already holds a newer version (a 409): they are
 *                   applied in the sense that matters, the index holds the newest version
 * @param retried    items sent again after a 429/503
 */
public record BulkOutcome(long indexed, long tombstoned, long stale, long retried) {

    public static final BulkOutcome EMPTY = new BulkOutcome(0, 0, 0, 0);

    public BulkOutcome plus(BulkOutcome other) {
        return new BulkOutcome(indexed + other.indexed, tombstoned + other.tombstoned, stale + other.stale,
                retried + other.retried);
    }
}
