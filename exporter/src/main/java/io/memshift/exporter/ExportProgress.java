package io.memshift.exporter;

/** Told how far an export is, after each memory; {@code total} is -1 when the source cannot count. */
@FunctionalInterface
public interface ExportProgress {
    ExportProgress NONE = (phase, done, total) -> { };

    void update(String phase, long done, long total);

    /**
     * Called once, when the source is validated and the first memory is about to be published. An export that
     * runs beside the stages that consume it ({@code migrate}) waits here until they are ready, so the first
     * memories go through at once; a runtime exception thrown here ends the export before it publishes anything.
     */
    default void beforePublish() {
    }
}
