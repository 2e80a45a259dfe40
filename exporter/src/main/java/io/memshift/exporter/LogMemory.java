package io.memshift.exporter;

import io.memshift.schemas.MemoryEvent;
import io.memshift.schemas.Op;
import java.time.Instant;

/**
 * What a pipeline's log says of one memory, from its newest event: as much as reconciling a snapshot needs (its
 * version, whether it is deleted, and what the export filters select by), about 100 bytes, not the text.
 */
public record LogMemory(long version, boolean deleted, String userId, String agentId, String runId,
                        Instant changedAt) {

    public static LogMemory of(MemoryEvent event) {
        return new LogMemory(event.getVersion(), event.getOp() == Op.DELETE, event.getUserId(), event.getAgentId(),
                event.getRunId(), event.getUpdatedAtTs() != null ? event.getUpdatedAtTs() : event.getCreatedAtTs());
    }
}
