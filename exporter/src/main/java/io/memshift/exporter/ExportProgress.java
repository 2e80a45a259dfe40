package io.memshift.exporter;

/** Told how far an export is, after each memory; {@code total} is -1 when the source cannot count. */
@FunctionalInterface
public interface ExportProgress {
    ExportProgress NONE = (phase, done, total) -> { };

    void update(String phase, long done, long total);
}
