package io.memshift.importer;

import co.elastic.clients.elasticsearch._types.query_dsl.Query;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.memshift.schemas.EmbeddedMemoryEvent;
import io.memshift.schemas.Json;
import io.memshift.schemas.MemoryEvent;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Exactly what Mem0's Elasticsearch store reads and writes ({@code mem0/vector_stores/elasticsearch.py},
 * {@code mem0-ts/src/oss/src/vector_stores/elasticsearch.ts}): {@code _id} is the memory id, {@code _source.vector}
 * the new model's vector, {@code _source.metadata} the memory's payload. A Mem0 app pointed at the index (or its
 * alias) gets, searches, lists, updates, adds and deletes as in a store it built itself.
 *
 * <p>The payload is the source's own, verbatim, when it has one ({@link MemoryEvent#getPayload()}: the same keys
 * in the same order and spelling, snake_case from Python, camelCase from TypeScript, {@code text_lemmatized},
 * {@code attributed_to}, custom keys and all). A memory from a source without one (an export file, the Mem0 API,
 * a live change) gets the payload Mem0's Python library would have written: its custom metadata keys flat, the
 * scope ids, {@code role}, {@code actor_id}, the other fields the source gave (as spelled there), then
 * {@code data}, {@code hash}, {@code created_at}, {@code updated_at}.
 *
 * <p>The mapping is Mem0's ({@code metadata.user_id/agent_id/run_id} keywords, the rest dynamic, as Mem0 leaves
 * it), so Mem0's own later writes fit. memshift's own data (version, model, source position) lives in a
 * {@code memshift} object Mem0 never reads. A delete removes the document; the {@link DeleteLedger} keeps it from
 * coming back.
 */
final class Mem0Layout implements DocumentLayout {

    /** Mem0's payload keys for the memory's own fields, as its Python library spells them. */
    private static final String TEXT = "data";
    private static final String METADATA = "metadata";
    private static final String OWN = "memshift";

    @Override
    public String name() {
        return "mem0";
    }

    @Override
    public String vectorField() {
        return "vector";
    }

    @Override
    public String indexBody(IndexMapping shape, Map<String, String> meta) {
        ObjectNode body = shape.indexBody(meta);
        ObjectNode properties = body.withObject("/mappings").putObject("properties");
        // As Mem0's create_index makes it (Python maps a top-level text it never writes; kept for equality).
        properties.putObject("text").put("type", "text");
        shape.putVector(properties, vectorField());
        ObjectNode scope = properties.putObject(METADATA).put("type", "object").putObject("properties");
        for (String field : new String[] {"user_id", "agent_id", "run_id"}) {
            scope.putObject(field).put("type", "keyword");
        }
        // memshift's own notes: strict, since only memshift writes them.
        ObjectNode own = properties.putObject(OWN).put("type", "object").put("dynamic", "strict").putObject("properties");
        own.putObject("version").put("type", "long");
        ObjectNode source = own.putObject("source").put("type", "object").putObject("properties");
        source.putObject("system").put("type", "keyword");
        source.putObject("name").put("type", "keyword");
        source.putObject("position").put("type", "keyword").put("index", false).put("doc_values", false);
        ObjectNode model = own.putObject("model").put("type", "object").putObject("properties");
        for (String field : new String[] {"provider", "name", "revision", "prefix"}) {
            model.putObject(field).put("type", "keyword");
        }
        model.putObject("dims").put("type", "integer");
        return body.toString();
    }

    @Override
    public Map<String, Object> document(EmbeddedMemoryEvent event) {
        MemoryEvent memory = event.getMemory();
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put(vectorField(), VectorJson.of(event.getEmbedding()));
        // The payload goes into _source byte for byte, not re-encoded.
        doc.put(METADATA, new VerbatimJson(payload(memory)));
        Map<String, Object> own = new LinkedHashMap<>();
        own.put("version", memory.getVersion());
        Map<String, Object> source = new LinkedHashMap<>();
        source.put("system", memory.getSource().getSystem());
        source.put("name", memory.getSource().getName());
        MemshiftLayout.putIfPresent(source, "position", memory.getSource().getPosition());
        own.put("source", source);
        own.put("model", MemshiftLayout.fingerprint(event.getModel()));
        doc.put(OWN, own);
        return doc;
    }

    /**
     * The memory's Mem0 payload as JSON text: the source's own, verbatim, or built as Mem0's Python library would
     * (a dict: a key set again keeps its first place and takes the later value). Every value the source gave, the
     * metadata's and the extras', is copied as spelled ({@link VerbatimJson}): parsed and printed again, 1E-7 would
     * come out as 0.0000001 and 1e2 as 100.
     */
    static String payload(MemoryEvent memory) {
        if (memory.getPayload() != null) {
            return memory.getPayload();
        }
        Map<String, Object> payload = new LinkedHashMap<>();
        if (memory.getMetadata() != null) {
            payload.putAll(metadataMembers(memory));
        }
        MemshiftLayout.putIfPresent(payload, "user_id", memory.getUserId());
        MemshiftLayout.putIfPresent(payload, "agent_id", memory.getAgentId());
        MemshiftLayout.putIfPresent(payload, "run_id", memory.getRunId());
        MemshiftLayout.putIfPresent(payload, "role", memory.getRole());
        MemshiftLayout.putIfPresent(payload, "actor_id", memory.getActorId());
        // Fields of the source's own with no place in MemoryEvent (attributed_to, expiration_date, the TypeScript
        // SDK's createdAt...), under the key the source gave them.
        memory.getExtras().forEach((key, json) -> payload.put(key, oneValue(json, memory, key)));
        MemshiftLayout.putIfPresent(payload, "categories", memory.getCategories());
        payload.put(TEXT, memory.getText());
        MemshiftLayout.putIfPresent(payload, "hash", memory.getHash());
        MemshiftLayout.putIfPresent(payload, "created_at", memory.getCreatedAt());
        MemshiftLayout.putIfPresent(payload, "updated_at", memory.getUpdatedAt());
        return write(payload);
    }

    @Override
    public boolean keepsTombstones() {
        return false;
    }

    @Override
    public Map<String, Object> tombstone(MemoryEvent delete) {
        throw new UnsupportedOperationException("the mem0 layout keeps no tombstones: a delete removes the document");
    }

    @Override
    public List<String> tombstoneFields() {
        return List.of();
    }

    @Override
    public boolean isTombstone(JsonNode source) {
        return false;
    }

    @Override
    public Optional<Query> aliasFilter() {
        return Optional.empty();
    }

    @Override
    public String text(JsonNode source) {
        JsonNode text = source.path(METADATA).get(TEXT);
        return text == null || text.isNull() ? null : text.asText();
    }

    @Override
    public String userId(JsonNode source) {
        JsonNode user = source.path(METADATA).get("user_id");
        return user == null || user.isNull() ? null : user.asText();
    }

    @Override
    public String userIdField() {
        return METADATA + ".user_id";
    }

    @Override
    public String modelNameField() {
        return OWN + ".model.name";
    }

    @Override
    public String recordedModel(JsonNode source) {
        JsonNode model = source.path(OWN).get("model");
        return model == null ? null : model.path("provider").asText() + ":" + model.path("name").asText();
    }

    @Override
    public List<String> content(MemoryEvent event) {
        return Arrays.asList(event.getId(), new VerbatimJson(payload(event)).stored());
    }

    @Override
    public List<String> content(String id, String source) {
        return Arrays.asList(id, VerbatimJson.member(source, METADATA));
    }

    private static String write(Map<String, Object> payload) {
        try {
            return Json.MAPPER.writeValueAsString(payload);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("strings and checked JSON texts always serialize", e);
        }
    }

    private static Map<String, VerbatimJson> metadataMembers(MemoryEvent memory) {
        try {
            return VerbatimJson.members(memory.getMetadata());
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("memory " + memory.getId() + ": metadata is not a JSON object", e);
        }
    }

    private static VerbatimJson oneValue(String json, MemoryEvent memory, String field) {
        VerbatimJson value = new VerbatimJson(json);
        if (!value.isOneValue()) {
            throw new IllegalStateException("memory " + memory.getId() + ": " + field + " is not JSON");
        }
        return value;
    }
}
