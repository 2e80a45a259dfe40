package io.memshift.exporter;

import java.time.Duration;

/**
 * What one export did.
 *
 * @param read      memory objects read from the source
 * @param published events this run published (committed)
 * @param skipped   events an earlier, interrupted or complete run of the same source had already published
 * @param rejected  invalid records set aside (only with --skip-invalid)
 * @param filtered  valid memories left out by the filters (--user, --agent, --run, --updated-since)
 * @param selected  valid memories that pass the filters, counted per record (a memory twice in the source counts
 *                  twice): what this export is about. No per-memory bookkeeping is kept, so that an export of
 *                  millions of memories needs no more memory than one of a hundred; what arrived downstream is
 *                  decided from the topic's offsets instead
 * @param entities  the same for the entities of Mem0's entity store, for a store that has one
 * @param reconciliation the memories and entities of the log the snapshot lacks, deleted (none if the export does
 *                  not reconcile)
 * @param dryRun    nothing was published: {@code published} and {@code reconciliation} say what would have been;
 *                  {@code published} and {@code skipped} then count distinct memories (a dry run keeps the highest
 *                  version of each id to compare with the log)
 * @param resumed   this run went on from where an interrupted run of the same source stopped (its checkpoint);
 *                  false when {@code skipped} counts only what the log already held (a source without a stamp,
 *                  exported again after it changed)
 * @param wouldBeRefused for a dry run, what the real run would answer (--max-deletes), or null if it would run
 */
public record ExportSummary(long read, long published, long skipped, long rejected, long filtered,
                            long selected, Duration elapsed, Entities entities,
                            Reconciliation reconciliation, boolean dryRun, boolean resumed, String wouldBeRefused) {

    public ExportSummary(long read, long published, long skipped, long rejected, long filtered,
                         long selected, Duration elapsed, Entities entities,
                         Reconciliation reconciliation, boolean dryRun) {
        this(read, published, skipped, rejected, filtered, selected, elapsed, entities, reconciliation, dryRun, false,
                null);
    }

    /** An export of a source without an entity store, that reconciled nothing. */
    public ExportSummary(long read, long published, long skipped, long rejected, long filtered,
                         long selected, Duration elapsed) {
        this(read, published, skipped, rejected, filtered, selected, elapsed, Entities.NONE, Reconciliation.NONE,
                false);
    }

    /**
     * The entities an export carried (they travel the same topic, marked {@code kind: ENTITY}).
     *
     * @param read      entities read from the store's entity collection
     * @param published entity events this run published
     * @param skipped   entities the topic already held at the same version or a newer one
     * @param selected  valid entities, counted per record: what the target's entity index must end up holding
     */
    public record Entities(long read, long published, long skipped, long selected) {
        public static final Entities NONE = new Entities(0, 0, 0, 0);
    }
}
