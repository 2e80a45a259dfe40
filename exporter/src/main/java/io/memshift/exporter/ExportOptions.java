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
 */
public record ExportOptions(boolean restart, boolean skipInvalid, Path rejectFile, String user, String agent,
                            String run, Instant updatedSince) {

    public static final ExportOptions DEFAULTS = new ExportOptions(false, false, null, null, null, null, null);

    public ExportOptions {
        if (skipInvalid && rejectFile == null) {
            throw new IllegalArgumentException("--skip-invalid needs a reject file");
        }
    }

    /** True if the memory passes every filter given. */
    public boolean selects(MemoryEvent event) {
        if (user != null && !user.equals(event.getUserId())) {
            return false;
        }
        if (agent != null && !agent.equals(event.getAgentId())) {
            return false;
        }
        if (run != null && !run.equals(event.getRunId())) {
            return false;
        }
        if (updatedSince != null) {
            Instant changed = event.getUpdatedAtTs() != null ? event.getUpdatedAtTs() : event.getCreatedAtTs();
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
