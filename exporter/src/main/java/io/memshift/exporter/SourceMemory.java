package io.memshift.exporter;

import com.fasterxml.jackson.databind.node.ObjectNode;

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
public record SourceMemory(ObjectNode json, String position, String scopeUser, String payload) {

    /** A memory from a source without a payload of its own (an export file, the Mem0 API, a live change). */
    public SourceMemory(ObjectNode json, String position, String scopeUser) {
        this(json, position, scopeUser, null);
    }
}
