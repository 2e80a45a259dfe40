package io.memshift.control;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.memshift.schemas.Json;
import io.memshift.schemas.MemoryEvent;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;

/**
 * A digest of everything of a memory that must survive the migration unchanged: id, text, hash, scope ids,
 * metadata (as an exact JSON value), categories and the timestamps as given. Computed the same way from a source
 * event and from a target document, so equal digests mean an unchanged memory.
 */
public final class ContentDigest {

    private static final String[] SCOPE_AND_TIME = {"user_id", "agent_id", "run_id", "actor_id", "role", "created_at", "updated_at"};

    private ContentDigest() {
    }

    /** The digest of a memory as the source gave it (after conversion to an event). */
    public static long of(MemoryEvent event) {
        List<String> fields = new ArrayList<>();
        fields.add(event.getId());
        fields.add(event.getText());
        fields.add(event.getHash());
        fields.add(event.getUserId());
        fields.add(event.getAgentId());
        fields.add(event.getRunId());
        fields.add(event.getActorId());
        fields.add(event.getRole());
        fields.add(event.getCreatedAt());
        fields.add(event.getUpdatedAt());
        fields.add(canonical(event.getMetadata()));
        fields.add(event.getCategories() == null ? null : String.join("\u001f", event.getCategories()));
        return digest(fields);
    }

    /** The digest of a memory as the index holds it: its id and the document's {@code _source}. */
    public static long of(String id, JsonNode source) {
        List<String> fields = new ArrayList<>();
        fields.add(id);
        fields.add(text(source, "text"));
        fields.add(text(source, "hash"));
        for (String field : SCOPE_AND_TIME) {
            fields.add(text(source, field));
        }
        JsonNode metadata = source.get("metadata");
        fields.add(metadata == null || metadata.isNull() ? null : write(metadata));
        JsonNode categories = source.get("categories");
        if (categories == null || categories.isNull()) {
            fields.add(null);
        } else {
            List<String> values = new ArrayList<>();
            categories.forEach(c -> values.add(c.asText()));
            fields.add(String.join("\u001f", values));
        }
        return digest(fields);
    }

    private static String text(JsonNode source, String field) {
        JsonNode value = source.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }

    private static String canonical(String json) {
        if (json == null) {
            return null;
        }
        try {
            return write(Json.MAPPER.readTree(json));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("metadata is always valid JSON here", e);
        }
    }

    private static String write(JsonNode node) {
        try {
            return Json.MAPPER.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static long digest(List<String> fields) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (String field : fields) {
                // Null and empty differ; the separator keeps ("ab","c") apart from ("a","bc").
                sha.update(field == null ? new byte[] {0} : ("\u0001" + field).getBytes(StandardCharsets.UTF_8));
                sha.update((byte) 0x1e);
            }
            return ByteBuffer.wrap(sha.digest()).getLong();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }
}
