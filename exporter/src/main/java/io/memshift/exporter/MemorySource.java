package io.memshift.exporter;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Consumer;

/** A source of memories the exporter reads twice (validation, then publishing), in the same order each time. */
public interface MemorySource {

    /** The kind in a --source URI: mem0-json, jsonl, mem0-es, mem0-qdrant, mem0-api. */
    String kind();

    /** What the source is, fully: an absolute path or a URL. Names its export checkpoint. */
    String identity();

    /** A short name for positions and messages: a file name, an index name. */
    String shortName();

    /**
     * The store's own name, which names its pipeline unless the user names one: a file's name without its
     * extension, an Elasticsearch index, a Qdrant collection, an API's host.
     */
    default String storeName() {
        return shortName();
    }

    /**
     * Something that changes whenever the content does (a file's size and modification time), so that an
     * interrupted export can resume only over unchanged content. Empty for a source that cannot say, which is
     * then exported whole on every run (idempotent downstream: versions are derived from the content).
     */
    Optional<Stamp> stamp();

    /**
     * Calls {@code sink} for every memory object in source order.
     *
     * @throws InvalidSourceException     if the source is not of this kind, or holds records we refuse
     * @throws SourceUnavailableException if the source cannot be reached or read
     */
    void forEach(Consumer<SourceMemory> sink);

    default String name() {
        return identity();
    }

    /** A file's size and modification time. */
    record Stamp(long size, long modified) {
        static Optional<Stamp> ofFile(Path file) {
            try {
                return Optional.of(new Stamp(Files.size(file), Files.getLastModifiedTime(file).toMillis()));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + file, e);
            }
        }
    }
}
