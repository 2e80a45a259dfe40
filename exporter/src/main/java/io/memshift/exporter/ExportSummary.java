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
 */
public record ExportSummary(long read, long published, long skipped, long rejected, long filtered,
                            Map<String, Long> expected, Duration elapsed, Entities entities) {

    /** An export of a source without an entity store. */
    public ExportSummary(long read, long published, long skipped, long rejected, long filtered,
                         Map<String, Long> expected, Duration elapsed) {
        this(read, published, skipped, rejected, filtered, expected, elapsed, Entities.NONE);
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
