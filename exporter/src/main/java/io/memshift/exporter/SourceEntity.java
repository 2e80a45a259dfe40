package io.memshift.exporter;

import com.fasterxml.jackson.databind.JsonNode;
import io.memshift.schemas.Json;
import java.io.IOException;
import java.util.List;

/**
 * One entity of Mem0's entity store (v3), as read: Mem0 links the people, places and things its memories mention
 * in a sibling collection, {@code <collection>_entities}, embedded with the same model as the memories.
 *
 * @param id       the entity's id in the store (a UUID Mem0 assigned), as text
 * @param payload  the stored payload, verbatim JSON: {@code data} (the entity's text), {@code entity_type} and
 *                 {@code linked_memory_ids} (Python) or {@code entityType} and {@code linkedMemoryIds} (TypeScript),
 *                 the scope ids, spelled as the writer spelled them
 * @param position where it was found, e.g. {@code mem0_entities#42 (id ...)}, for error messages
 */
public record SourceEntity(String id, String payload, String position) {

    /**
     * The entity in the shape every record is validated in ({@link Mem0Payload#toMemory}: {@code data} is the
     * text, the scope ids in place, {@code entityType}, {@code linkedMemoryIds} and the rest as its metadata), its
     * payload carried verbatim for the mem0 layout.
     *
     * @throws InvalidSourceException if the payload is not JSON
     */
    public SourceMemory toSourceMemory() {
        JsonNode parsed;
        try {
            parsed = payload == null ? Json.MAPPER.createObjectNode() : Json.MAPPER.readTree(payload);
        } catch (IOException e) {
            throw new InvalidSourceException(position, List.of(position + ": entity id=" + id
                    + ": the payload is not JSON: " + e.getMessage()), 0);
        }
        return new SourceMemory(Mem0Payload.toMemory(id, parsed), position, null, parsed.isObject() ? payload : null);
    }
}
