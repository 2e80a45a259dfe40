package io.memshift.importer;

/**
 * What bulk writes did, item by item.
 *
 * @param indexed    memories written (created, or replaced by an equal or newer version)
 * @param tombstoned deletes written as tombstones
 * @param stale      items Elasticsearch refused because it already holds a newer version (a 409). They count as
 *                   applied: the index holds the newest version.
 * @param retried    items sent again after a 429/503
 * @param dead       items refused for good (mapping errors and the like), sent to the import dead-letter topic
 */
public record BulkOutcome(long indexed, long tombstoned, long stale, long retried, long dead) {

    public static final BulkOutcome EMPTY = new BulkOutcome(0, 0, 0, 0, 0);

    public BulkOutcome plus(BulkOutcome other) {
        return new BulkOutcome(indexed + other.indexed, tombstoned + other.tombstoned, stale + other.stale,
                retried + other.retried, dead + other.dead);
    }

    /** Items settled one way or another. */
    public long settled() {
        return indexed + tombstoned + stale + dead;
    }
}
