package io.memshift.exporter;

import io.memshift.schemas.MemoryEvent;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Objects;

/**
 * How an export treats its source.
 *
 * @param restart      publish everything again, ignoring the source's checkpoint
 * @param skipInvalid  publish the valid memories and set the invalid ones aside (reject file and the
 *                     {@code memories.rejected} topic) instead of refusing the whole source
 * @param rejectFile   where invalid records go, one JSON line each (with --skip-invalid)
 * @param user         only memories of this user (null: all) ...
 * @param agent        ... of this agent ...
 * @param run          ... of this run ...
 * @param updatedSince ... changed at or after this instant (updated_at, else created_at)
 * @param maxDeletes   reconcile: the export is a snapshot of the store (within the filters), and memories of the
 *                     pipeline's log it lacks are deleted, at most this many (see {@link Reconciliation}); null to
 *                     publish what the source holds and delete nothing
 * @param dryRun       read the source and the log, say what would be published and deleted, publish nothing
 */
public record ExportOptions(boolean restart, boolean skipInvalid, Path rejectFile, String user, String agent,
                            String run, Instant updatedSince, MaxDeletes maxDeletes, boolean dryRun) {

    public static final ExportOptions DEFAULTS = new ExportOptions(false, false, null, null, null, null, null);

    public ExportOptions {
        if (skipInvalid && rejectFile == null) {
            throw new IllegalArgumentException("--skip-invalid needs a reject file");
        }
    }

    /** Without reconciliation: what the source holds is published, nothing is deleted. */
    public ExportOptions(boolean restart, boolean skipInvalid, Path rejectFile, String user, String agent,
                         String run, Instant updatedSince) {
        this(restart, skipInvalid, rejectFile, user, agent, run, updatedSince, null, false);
    }

    /** These options, reconciling the snapshot with the log, deleting at most {@code max}; or only listing. */
    public ExportOptions reconciling(MaxDeletes max, boolean onlyList) {
        return new ExportOptions(restart, skipInvalid, rejectFile, user, agent, run, updatedSince, max, onlyList);
    }

    public boolean reconciles() {
        return maxDeletes != null;
    }

    /** True if the memory passes every filter given. */
    public boolean selects(MemoryEvent event) {
        return selects(event.getUserId(), event.getAgentId(), event.getRunId(),
                event.getUpdatedAtTs() != null ? event.getUpdatedAtTs() : event.getCreatedAtTs());
    }

    /** True if a memory of these scopes, last changed at {@code changed} (null if unknown), passes every filter. */
    public boolean selects(String userId, String agentId, String runId, Instant changed) {
        if (user != null && !user.equals(userId)) {
            return false;
        }
        if (agent != null && !agent.equals(agentId)) {
            return false;
        }
        if (run != null && !run.equals(runId)) {
            return false;
        }
        if (updatedSince != null) {
            return changed != null && !changed.isBefore(updatedSince);
        }
        return true;
    }

    /** The filters as part of the checkpoint key: the same file exported with other filters is another export. */
    String filterKey() {
        if (user == null && agent == null && run == null && updatedSince == null) {
            return "";
        }
        return " [user=" + Objects.toString(user, "*") + " agent=" + Objects.toString(agent, "*") + " run="
                + Objects.toString(run, "*") + " since=" + Objects.toString(updatedSince, "*") + "]";
    }
}
