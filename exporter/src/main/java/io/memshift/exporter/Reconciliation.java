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
 * <p>Entities (Mem0's entity store, {@code kind: ENTITY} on the log) are reconciled like memories only when the
 * snapshot read the store's entity store too ({@link EntitySource}): then an entity the store no longer holds is gone
 * (Mem0 removes an entity with the last memory that names it). A snapshot of a source that cannot hold entities (an
 * export file, the Mem0 API) says nothing of them, so it never deletes one. Entity ids never equal memory ids on one
 * log (the exporter refuses such an entity), so one set of ids serves both.
 *
 * @param deletes the memories and entities to delete, in id order
 * @param entityDeletes those of {@code deletes} that are entities (their deletes are marked {@code kind: ENTITY}, so
 *                that the importer removes them from the entity index)
 * @param live    the memories the log holds, not deleted, within the filter: what a percentage limit is of
 * @param deleteVersion the version every delete carries
 */
public record Reconciliation(List<String> deletes, Set<String> entityDeletes, long live, long deleteVersion) {

    public Reconciliation {
        deletes = List.copyOf(deletes);
        entityDeletes = Set.copyOf(entityDeletes);
    }

    /** Nothing to reconcile (a source whose earlier export completed, say). */
    public static final Reconciliation NONE = new Reconciliation(List.of(), Set.of(), 0, 0);

    /** A snapshot of memories only (its source has no entity store): entities on the log are left alone. */
    public static Reconciliation plan(Map<String, LogMemory> log, Set<String> inSource, ExportOptions options,
                                      Instant snapshotAt) {
        return plan(log, inSource, options, snapshotAt, false);
    }

    /**
     * @param log         the newest state of every memory on the pipeline's log
     * @param inSource    every memory id the snapshot holds, valid or not, selected or not
     * @param options     the export's filters
     * @param snapshotAt  when the snapshot began to be read
     * @param withEntities whether the snapshot read the store's entity store as well
     */
    public static Reconciliation plan(Map<String, LogMemory> log, Set<String> inSource, ExportOptions options,
                                      Instant snapshotAt, boolean withEntities) {
        long deleteVersion = MemoryVersion.ofDelete(snapshotAt);
        List<String> deletes = new ArrayList<>();
        Set<String> entityDeletes = new java.util.HashSet<>();
        long live = 0;
        for (Map.Entry<String, LogMemory> entry : log.entrySet()) {
            LogMemory memory = entry.getValue();
            if (memory.deleted() || (memory.entity() && !withEntities) || !options.selects(memory.userId(), memory.agentId(), memory.runId(),
                    memory.changedAt())) {
                continue;
            }
            live++;
            if (!inSource.contains(entry.getKey()) && memory.version() < deleteVersion) {
                deletes.add(entry.getKey());
                if (memory.entity()) {
                    entityDeletes.add(entry.getKey());
                }
            }
        }
        Collections.sort(deletes);
        return new Reconciliation(deletes, entityDeletes, live, deleteVersion);
    }

    /**
     * @throws DeleteGuardException listing what would be deleted, if that is more than {@code max} allows
     */
    public void requireWithin(MaxDeletes max, String source) {
        refusal(max, source).ifPresent(refused -> {
            throw refused;
        });
    }

    /**
     * What a run would answer if the snapshot deletes more than {@code max} allows: a dry run says it (and exits 2)
     * instead of throwing, so that it still lists every memory that would go.
     */
    public java.util.Optional<String> wouldBeRefused(MaxDeletes max, String source) {
        return refusal(max, source).map(RuntimeException::getMessage);
    }

    private java.util.Optional<DeleteGuardException> refusal(MaxDeletes max, String source) {
        long limit = max.limit(live);
        return deletes.size() > limit ? java.util.Optional.of(new DeleteGuardException(source, this, max, limit))
                : java.util.Optional.empty();
    }
}
