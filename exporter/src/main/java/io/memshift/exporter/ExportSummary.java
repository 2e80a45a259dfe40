package io.memshift.exporter;

import java.time.Duration;
import java.util.Map;

/**
 * What one export did.
 *
 * @param read      memory objects read from the source
 * @param published events acknowledged by the broker
 * @param expected  for each memory id, the highest version published: what the target must end up holding
 */
public record ExportSummary(long read, long published, Map<String, Long> expected, Duration elapsed) {
}
