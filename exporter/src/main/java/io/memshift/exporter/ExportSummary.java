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
 */
public record ExportSummary(long read, long published, long skipped, long rejected, long filtered,
                            long selected, Duration elapsed) {
}
