package io.memshift.exporter;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.memshift.schemas.Json;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * The payload Mem0 stores beside each vector, whatever the vector store (Elasticsearch's {@code _source.metadata},
 * a Qdrant point's {@code payload}), read as the memory object of a Mem0 export, so that one converter validates
 * every source. Mem0 writes the payload flat: {@code data} (the text), {@code hash}, the timestamps, the scope
 * ids, and the caller's own metadata keys beside them.
 *
 * <p>The one place that knows which payload keys have a place of their own: both store readers use it.
 */
public final class Mem0Payload {

    /**
     * Payload keys with a place of their own in the memory object; every other payload key is its own metadata.
     * The TypeScript SDK's {@code createdAt}/{@code updatedAt} go beside the Python spellings, as spelled, so that
     * they date the memory (see {@link MemoryEventConverter}).
     */
    static final Set<String> PROMOTED = Set.of("data", "hash", "created_at", "updated_at", "createdAt", "updatedAt",
            "user_id", "agent_id", "run_id", "actor_id", "role", "categories");

    private Mem0Payload() {
    }

    /**
     * @param memoryId the memory's id as the store keeps it (an Elasticsearch {@code _id}, a Qdrant point id), or
     *                 null if the store record has none (the converter then reports the missing id)
     * @param payload  the stored payload; anything but an object yields a memory without text, which the converter
     *                 reports
     * @return {@code {id, memory: data, hash, created_at, ..., metadata: {the other keys}}}, keys in payload order
     */
    public static ObjectNode toMemory(String memoryId, JsonNode payload) {
        ObjectNode memory = Json.MAPPER.createObjectNode();
        if (memoryId != null) {
            memory.put("id", memoryId);
        }
        if (payload.has("data")) {
            memory.set("memory", payload.get("data"));
        }
        ObjectNode own = Json.MAPPER.createObjectNode();
        Iterator<Map.Entry<String, JsonNode>> fields = payload.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            if (field.getKey().equals("data")) {
                continue;
            }
            if (PROMOTED.contains(field.getKey())) {
                memory.set(field.getKey(), field.getValue());
            } else {
                own.set(field.getKey(), field.getValue());
            }
        }
        if (!own.isEmpty()) {
            memory.set("metadata", own);
        }
        return memory;
    }
}
