package io.memshift.exporter;

import java.time.Instant;
import java.util.function.Consumer;

/**
 * A store that can list what changed in it since a moment, by the store's own timestamps ({@code updated_at},
 * {@code created_at}, in either spelling Mem0 writes): what {@code migrate --follow} polls. A store that cannot
 * ask its server for that ({@link #fullRead}) reads itself whole and lets the caller keep what changed.
 *
 * <p>Nothing here is exact, and nothing needs to be: the caller asks with an overlap and re-reads what it has seen,
 * and the version gate forwards only versions newer than the log's. What a change feed cannot see at all is a
 * delete (it leaves no document behind): the caller finds those by a snapshot reconciliation.
 */
public interface ChangeFeed {

    /**
     * Calls {@code memories} with every memory changed at or after {@code since} (at least those; more is
     * harmless), then {@code entities} with every entity of the store's entity store changed since then, if it has
     * one.
     */
    void forEachChangedSince(Instant since, Consumer<SourceMemory> memories, Consumer<SourceEntity> entities);

    /** Whether the server selects the changes ({@code true}), or the whole store is read each time. */
    boolean selectsOnServer();

    /** The change feed of {@code source}: its own if it has one, else a whole read of it on every poll. */
    static ChangeFeed of(MemorySource source) {
        return source instanceof ChangeFeed own ? own : fullRead(source);
    }

    /** Reads {@code source} whole (and its entity store, if it has one) on every call. */
    static ChangeFeed fullRead(MemorySource source) {
        return new ChangeFeed() {
            @Override
            public void forEachChangedSince(Instant since, Consumer<SourceMemory> memories,
                                            Consumer<SourceEntity> entities) {
                source.forEach(memories);
                if (source instanceof EntitySource store) {
                    store.forEachEntity(entities);
                }
            }

            @Override
            public boolean selectsOnServer() {
                return false;
            }
        };
    }
}
