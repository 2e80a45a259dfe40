package io.memshift.exporter;

import java.time.Duration;
import java.util.Map;

/**
 * What one export did.
 *
 * @param read      memory objects read from the source
 * @param published events this run published (committed)
 * @param skipped   events an earlier, interrupted or complete run of the same source had already published
 * @param rejected  invalid records set aside (only with --skip-invalid)
 * @param filtered  valid memories left out by the filters (--user, --agent, --run, --updated-since)
 * @param expected  for each memory id, the highest version in the source: what the target must end up holding
 * @param entities  the same for the entities of Mem0's entity store, for a store that has one
 * @param reconciliation the memories and entities of the log the snapshot lacks, deleted (none if the export does
 *                  not reconcile)
 * @param dryRun    nothing was published: {@code published} and {@code reconciliation} say what would have been
 */
public record ExportSummary(long read, long published, long skipped, long rejected, long filtered,
                            Map<String, Long> expected, Duration elapsed, Entities entities,
                            Reconciliation reconciliation, boolean dryRun) {

    /** An export of a source without an entity store, that reconciled nothing. */
    public ExportSummary(long read, long published, long skipped, long rejected, long filtered,
                         Map<String, Long> expected, Duration elapsed) {
        this(read, published, skipped, rejected, filtered, expected, elapsed, Entities.NONE, Reconciliation.NONE,
                false);
    }

    /**
     * {@link #expected} with each reconciled memory at its delete's version: what the target must end up holding.
     */
    public Map<String, Long> expectedWithDeletes() {
        return withDeletes(expected, false);
    }

    /** {@link Entities#expected} with each reconciled entity at its delete's version. */
    public Map<String, Long> entitiesExpectedWithDeletes() {
        return withDeletes(entities.expected(), true);
    }

    private Map<String, Long> withDeletes(Map<String, Long> upserts, boolean ofEntities) {
        if (reconciliation.deletes().isEmpty()) {
            return upserts;
        }
        Map<String, Long> all = new java.util.HashMap<>(upserts);
        reconciliation.deletes().stream().filter(id -> reconciliation.entityDeletes().contains(id) == ofEntities)
                .forEach(id -> all.put(id, reconciliation.deleteVersion()));
        return Map.copyOf(all);
    }

    /**
     * The entities an export carried (they travel the same topic, marked {@code kind: ENTITY}).
     *
     * @param read      entities read from the store's entity collection
     * @param published entity events this run published
     * @param skipped   entities the topic already held at the same version or a newer one
     * @param expected  for each entity id, its version: what the target's entity index must end up holding
     */
    public record Entities(long read, long published, long skipped, Map<String, Long> expected) {
        public static final Entities NONE = new Entities(0, 0, 0, Map.of());
    }
}
