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

        private static final java.util.regex.Pattern ID =
                java.util.regex.Pattern.compile("\"id\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.){1,512})\"");

        /**
         * The memory's id as the line spells it, if a plain {@code "id": "..."} can be made out of it (a line cut
         * short, or with a stray byte, usually still starts with its id): a snapshot's reconciliation must not take
         * that memory for gone.
         */
        public java.util.Optional<String> idGuess() {
            java.util.regex.Matcher m = ID.matcher(text);
            if (!m.find()) {
                return java.util.Optional.empty();
            }
            try {
                return java.util.Optional.of(Json.MAPPER.readValue("\"" + m.group(1) + "\"", String.class));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                return java.util.Optional.empty();
            }
        }
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
