package io.memshift.e2e;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/** Small stores of Mem0 memories written as JSON Lines files, for tests that need several distinct stores. */
final class Stores {

    private static final ObjectMapper JSON = new ObjectMapper();

    private Stores() {
    }

    /** {@code count} ids {@code <prefix>-000 ...}. */
    static List<String> ids(String prefix, int count) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            ids.add(String.format("%s-%03d", prefix, i));
        }
        return ids;
    }

    /** Writes one memory per id, all last changed at {@code at}, as a JSON Lines store. */
    static Path write(Path file, Collection<String> ids, Instant at) throws IOException {
        StringBuilder lines = new StringBuilder();
        int i = 0;
        for (String id : ids) {
            ObjectNode memory = JSON.createObjectNode();
            memory.put("id", id);
            memory.put("memory", "Memory " + id + ": prefers topic " + (i * 37 % 101) + " in the " + at.toString().substring(0, 10) + " copy");
            memory.put("user_id", "user-" + (i++ % 7));
            memory.put("created_at", "2024-01-01T00:00:00Z");
            memory.put("updated_at", at.toString());
            lines.append(JSON.writeValueAsString(memory)).append('\n');
        }
        Files.createDirectories(file.getParent());
        Files.writeString(file, lines.toString(), StandardCharsets.UTF_8);
        return file;
    }

    static Set<String> set(Collection<String> ids) {
        return new TreeSet<>(ids);
    }
}
