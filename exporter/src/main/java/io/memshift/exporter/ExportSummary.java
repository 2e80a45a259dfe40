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
 * @param reconciliation the memories of the log the snapshot lacks, deleted (none if the export does not reconcile)
 * @param dryRun    nothing was published: {@code published} and {@code reconciliation} say what would have been
 */
public record ExportSummary(long read, long published, long skipped, long rejected, long filtered,
                            Map<String, Long> expected, Duration elapsed, Reconciliation reconciliation,
                            boolean dryRun) {

    /** {@link #expected} with each reconciled memory at its delete's version: what the target must end up holding. */
    public Map<String, Long> expectedWithDeletes() {
        if (reconciliation.deletes().isEmpty()) {
            return expected;
        }
        Map<String, Long> all = new java.util.HashMap<>(expected);
        reconciliation.deletes().forEach(id -> all.put(id, reconciliation.deleteVersion()));
        return Map.copyOf(all);
    }
}
