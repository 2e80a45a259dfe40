package io.memshift.exporter;

import java.util.function.Consumer;

/** A source that also holds Mem0's entity store beside its memories. */
public interface EntitySource {

    /**
     * Calls {@code sink} for every entity, in the store's order; calls it never if the store has no entities
     * (a Mem0 store older than v3, or one whose memories never named any).
     */
    void forEachEntity(Consumer<SourceEntity> sink);
}
