package io.memshift.exporter;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.memshift.schemas.Json;

/**
 * One memory object as read from a source, before validation.
 *
 * @param json      the memory object as found (for a store with a payload, the payload mapped to Mem0's export
 *                  shape: {@code id, memory, hash, metadata, ...})
 * @param position  where it was found, e.g. {@code export.json:42}, for error messages
 * @param scopeUser the user id implied by the file's layout (the key of a map-of-users export), or null
 * @param payload   the store's own payload object as its exact JSON text, for a store that keeps one (Mem0's
 *                  Elasticsearch store, Qdrant), or null
 */
public record SourceMemory(ObjectNode json, String position, String scopeUser, String payload,
                           Unreadable unreadable) {

    /**
     * A record of a line-based source that could not be read as a memory object at all (malformed JSON, not
     * UTF-8): it is invalid like a memory with a missing field, so the file's other lines are still checked, and
     * with --skip-invalid set aside in the reject file.
     *
     * @param problem what is wrong with it
     * @param text    the line as found, for the reject file
     */
    public record Unreadable(String problem, String text) {
    }

    public SourceMemory(ObjectNode json, String position, String scopeUser, String payload) {
        this(json, position, scopeUser, payload, null);
    }

    /** A memory from a source without a payload of its own (an export file, the Mem0 API, a live change). */
    public SourceMemory(ObjectNode json, String position, String scopeUser) {
        this(json, position, scopeUser, null, null);
    }

    /** A line at {@code position} that is no memory object: see {@link Unreadable}. */
    public static SourceMemory unreadable(String position, String problem, String text) {
        return new SourceMemory(Json.MAPPER.createObjectNode(), position, null, null, new Unreadable(problem, text));
    }
}
