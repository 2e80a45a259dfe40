package io.memshift.exporter;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.memshift.schemas.Json;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The records an export set aside, one JSON line each: where, why, and the record as found. */
final class RejectFile implements AutoCloseable {

    private final Path path;
    private final BufferedWriter out;

    private RejectFile(Path path, BufferedWriter out) {
        this.path = path;
        this.out = out;
    }

    static RejectFile open(Path path) {
        try {
            if (path.toAbsolutePath().getParent() != null) {
                Files.createDirectories(path.toAbsolutePath().getParent());
            }
            return new RejectFile(path, Files.newBufferedWriter(path, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the reject file " + path, e);
        }
    }

    static String line(SourceMemory source, List<String> problems) {
        ObjectNode line = Json.MAPPER.createObjectNode();
        line.put("position", source.position());
        line.set("problems", Json.MAPPER.valueToTree(problems));
        if (source.unreadable() != null) {
            line.put("line", source.unreadable().text()); // not JSON, or not an object: kept as text
        } else {
            line.set("record", source.json());
        }
        return line.toString();
    }

    void write(SourceMemory source, List<String> problems) {
        try {
            out.write(line(source, problems));
            out.write('\n');
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the reject file " + path, e);
        }
    }

    @Override
    public void close() {
        try {
            out.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the reject file " + path, e);
        }
    }
}
