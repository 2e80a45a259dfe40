package io.memshift.exporter;

import java.nio.file.Path;
import java.util.function.Consumer;

/** A file of memories the exporter can read twice, in the same order each time. */
public interface MemorySource {

    /** The kind in a --source URI: mem0-json, jsonl. */
    String kind();

    Path file();

    /**
     * Calls {@code sink} for every memory object in source order.
     *
     * @throws InvalidSourceException if the file cannot be read as this kind of source
     */
    void forEach(Consumer<SourceMemory> sink);

    default String name() {
        return file().toString();
    }
}
