package io.memshift.exporter;

import java.time.Duration;
import java.util.Map;

/**
 * What one export did.
 *
 * @param read      memory objects read from the source
 * @param published events this run published (committed)
 * @param skipped   events an earlier, interrupted or complete run of the same source had already published
 * @param expected  for each memory id, the highest version in the source: what the target must end up holding
 */
public record ExportSummary(long read, long published, long skipped, Map<String, Long> expected, Duration elapsed) {
}
