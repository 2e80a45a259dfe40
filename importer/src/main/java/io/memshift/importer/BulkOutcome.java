package io.memshift.importer;

/**
 * What bulk writes did, item by item.
 *
 * @param indexed items written (created, or replaced by an equal or newer version)
 * @param deleted deletes applied: a tombstone written, or (mem0 layout) the document removed and the delete recorded
 * @param stale   items not applied because the index already holds a newer version (a 409), or because the delete
 *                ledger records a later delete. They count as applied: the index holds the newest version.
 * @param retried items sent again after a 429/503
 * @param dead    items refused for good (mapping errors and the like), sent to the import dead-letter topic
 */
public record BulkOutcome(long indexed, long deleted, long stale, long retried, long dead) {

    public static final BulkOutcome EMPTY = new BulkOutcome(0, 0, 0, 0, 0);

    public BulkOutcome plus(BulkOutcome other) {
        return new BulkOutcome(indexed + other.indexed, deleted + other.deleted, stale + other.stale,
                retried + other.retried, dead + other.dead);
    }

    /** Items settled one way or another. */
    public long settled() {
        return indexed + deleted + stale + dead;
    }
}
