package io.memshift.exporter;

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
}
