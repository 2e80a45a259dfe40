package io.memshift.exporter;

import io.memshift.schemas.Kind;
import io.memshift.schemas.MemoryEvent;
import io.memshift.schemas.Op;
import java.time.Instant;

/**
 * What a pipeline's log says of one memory (or entity of Mem0's entity store), from its newest event: as much as
 * reconciling a snapshot needs (its version, whether it is deleted, whether it is an entity, and what the export
 * filters select by), about 100 bytes, not the text.
 */
public record LogMemory(long version, boolean deleted, String userId, String agentId, String runId,
                        Instant changedAt, boolean entity) {

    /** A memory (not an entity). */
    public LogMemory(long version, boolean deleted, String userId, String agentId, String runId, Instant changedAt) {
        this(version, deleted, userId, agentId, runId, changedAt, false);
    }

    public static LogMemory of(MemoryEvent event) {
        return new LogMemory(event.getVersion(), event.getOp() == Op.DELETE, event.getUserId(), event.getAgentId(),
                event.getRunId(), event.getUpdatedAtTs() != null ? event.getUpdatedAtTs() : event.getCreatedAtTs(),
                event.getKind() == Kind.ENTITY);
    }
}
