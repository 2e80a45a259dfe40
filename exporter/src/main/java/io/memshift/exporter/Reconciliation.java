package io.memshift.exporter;

import io.memshift.schemas.MemoryVersion;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An export of a whole store is a snapshot of it: a memory the pipeline's log holds (not deleted) that the snapshot
 * lacks is gone from the store, deleted without an event reaching memshift. Reconciling gives each such memory a
 * delete versioned at the moment the snapshot began, so that everything downstream removes it, and a change made
 * after that moment (a live add, an update) still wins over the delete. A filtered export is a snapshot of what its
 * filter selects: only memories of the log that the filter selects are candidates.
 *
 * <p>A memory whose id appears anywhere in the source (also as an invalid or filtered-out record) is never a
 * candidate: it exists. Neither is one whose log version is newer than the snapshot's start: it changed after the
 * snapshot began, so the snapshot says nothing of it.
 *
 * @param deletes the memories to delete, in id order
 * @param live    the memories the log holds, not deleted, within the filter: what a percentage limit is of
 * @param deleteVersion the version every delete carries
 */
public record Reconciliation(List<String> deletes, long live, long deleteVersion) {

    public Reconciliation {
        deletes = List.copyOf(deletes);
    }

    /** Nothing to reconcile (a source whose earlier export completed, say). */
    public static final Reconciliation NONE = new Reconciliation(List.of(), 0, 0);

    /**
     * @param log         the newest state of every memory on the pipeline's log
     * @param inSource    every memory id the snapshot holds, valid or not, selected or not
     * @param options     the export's filters
     * @param snapshotAt  when the snapshot began to be read
     */
    public static Reconciliation plan(Map<String, LogMemory> log, Set<String> inSource, ExportOptions options,
                                      Instant snapshotAt) {
        long deleteVersion = MemoryVersion.ofDelete(snapshotAt);
        List<String> deletes = new ArrayList<>();
        long live = 0;
        for (Map.Entry<String, LogMemory> entry : log.entrySet()) {
            LogMemory memory = entry.getValue();
            if (memory.deleted() || !options.selects(memory.userId(), memory.agentId(), memory.runId(),
                    memory.changedAt())) {
                continue;
            }
            live++;
            if (!inSource.contains(entry.getKey()) && memory.version() < deleteVersion) {
                deletes.add(entry.getKey());
            }
        }
        Collections.sort(deletes);
        return new Reconciliation(deletes, live, deleteVersion);
    }

    /**
     * @throws DeleteGuardException listing what would be deleted, if that is more than {@code max} allows
     */
    public void requireWithin(MaxDeletes max, String source) {
        long limit = max.limit(live);
        if (deletes.size() > limit) {
            throw new DeleteGuardException(source, this, max, limit);
        }
    }
}
