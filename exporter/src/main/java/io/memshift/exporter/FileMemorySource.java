package io.memshift.exporter;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Pattern;

/** A source that is one local file: named by its absolute path, stamped by its size and modification time. */
abstract class FileMemorySource implements MemorySource {

    protected final Path file;

    /** How Jackson names a place inside its messages when the source itself is not to be shown. */
    private static final Pattern JACKSON_PLACE = Pattern.compile(
            "\\[Source: [^;\\]]*; line: (\\d+), column: (\\d+)\\]");

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

    /**
     * What a JSON parser found wrong, as a user reads it: Jackson's own place notes ("[Source: REDACTED
     * (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled); line: 96, column: 5]") become "line 96, column 5".
     */
    static String jsonProblem(JsonProcessingException e) {
        return JACKSON_PLACE.matcher(e.getOriginalMessage()).replaceAll("line $1, column $2");
    }

    @Override
    public Optional<Stamp> stamp() {
        return Stamp.ofFile(file);
    }
}
