package io.memshift.exporter;

import java.nio.file.Path;
import java.util.Optional;

/** A source that is one local file: named by its absolute path, stamped by its size and modification time. */
abstract class FileMemorySource implements MemorySource {

    protected final Path file;

    FileMemorySource(Path file) {
        this.file = file;
    }

    @Override
    public String identity() {
        return file.toAbsolutePath().normalize().toString();
    }

    @Override
    public String shortName() {
        return file.getFileName().toString();
    }

    /** The file's name without its extension: {@code mem0-export.json} is the store {@code mem0-export}. */
    @Override
    public String storeName() {
        String name = shortName();
        int dot = name.lastIndexOf('.');
        return dot > 0 ? name.substring(0, dot) : name;
    }

    @Override
    public Optional<Stamp> stamp() {
        return Stamp.ofFile(file);
    }
}
