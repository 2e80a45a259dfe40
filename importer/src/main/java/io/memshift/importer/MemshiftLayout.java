package io.memshift.importer;

import co.elastic.clients.elasticsearch._types.query_dsl.Query;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.memshift.schemas.EmbeddedMemoryEvent;
import io.memshift.schemas.Json;
import io.memshift.schemas.MemoryEvent;
import io.memshift.schemas.ModelFingerprint;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * memshift's own documents: each part of a memory in a field of its own, in a strict mapping (a document that does
 * not fit is refused rather than silently widening the mapping). A DELETE becomes a tombstone document
 * ({@code deleted: true}, no text, no vector) rather than a removal: Elasticsearch forgets the version of a removed
 * document after {@code index.gc_deletes} (60 s), and then a late, older upsert would bring the memory back. A
 * tombstone keeps its version for good; the alias filters tombstones out of every search.
 */
final class MemshiftLayout implements DocumentLayout {

    private static final String[] SCOPE_AND_TIME = {"user_id", "agent_id", "run_id", "actor_id", "role", "created_at",
            "updated_at"};

    @Override
    public String name() {
        return "memshift";
    }

    @Override
    public String vectorField() {
        return "embedding";
    }

    @Override
    public String indexBody(IndexMapping shape, Map<String, String> meta) {
        ObjectNode body = shape.indexBody(meta);
        ObjectNode mappings = body.withObject("/mappings");
        mappings.put("dynamic", "strict");
        ObjectNode properties = mappings.putObject("properties");
        keyword(properties, "memory_id");
        properties.putObject("text").put("type", "text");
        for (String field : new String[] {"hash", "user_id", "agent_id", "run_id", "actor_id", "role", "categories",
                "created_at", "updated_at", "source_system", "source_name"}) {
            keyword(properties, field);
        }
        properties.putObject("source_position").put("type", "keyword").put("index", false).put("doc_values", false);
        // Metadata and extras are kept exactly as sent, in _source, and not indexed: Mem0 metadata has no fixed
        // schema, and mapping it would let one odd memory change (or break) the mapping for all.
        properties.putObject("metadata").put("type", "object").put("enabled", false);
        properties.putObject("extras").put("type", "object").put("enabled", false);
        properties.putObject("created_at_ts").put("type", "date_nanos");
        properties.putObject("updated_at_ts").put("type", "date_nanos");
        properties.putObject("version").put("type", "long");
        properties.putObject("deleted").put("type", "boolean");
        ObjectNode model = properties.putObject("model").putObject("properties");
        for (String field : new String[] {"provider", "name", "revision", "prefix"}) {
            keyword(model, field);
        }
        model.putObject("dims").put("type", "integer");
        shape.putVector(properties, vectorField());
        return body.toString();
    }

    @Override
    public Map<String, Object> document(EmbeddedMemoryEvent event) {
        MemoryEvent memory = event.getMemory();
        Map<String, Object> doc = identity(memory);
        doc.put("deleted", false);
        doc.put("text", memory.getText());
        putIfPresent(doc, "hash", memory.getHash());
        putIfPresent(doc, "user_id", memory.getUserId());
        putIfPresent(doc, "agent_id", memory.getAgentId());
        putIfPresent(doc, "run_id", memory.getRunId());
        putIfPresent(doc, "actor_id", memory.getActorId());
        putIfPresent(doc, "role", memory.getRole());
        // The metadata JSON goes into _source byte for byte, not re-encoded.
        if (memory.getMetadata() != null) {
            doc.put("metadata", new VerbatimJson(memory.getMetadata()));
        }
        putIfPresent(doc, "categories", memory.getCategories());
        putIfPresent(doc, "created_at", memory.getCreatedAt());
        putIfPresent(doc, "updated_at", memory.getUpdatedAt());
        if (memory.getCreatedAtTs() != null) {
            doc.put("created_at_ts", memory.getCreatedAtTs().toString());
        }
        if (memory.getUpdatedAtTs() != null) {
            doc.put("updated_at_ts", memory.getUpdatedAtTs().toString());
        }
        putIfPresent(doc, "source_position", memory.getSource().getPosition());
        if (!memory.getExtras().isEmpty()) {
            Map<String, Object> extras = new LinkedHashMap<>();
            memory.getExtras().forEach((key, json) -> extras.put(key, new VerbatimJson(json)));
            doc.put("extras", extras);
        }
        doc.put("model", fingerprint(event.getModel()));
        // No embedded_at here (it stays on the Kafka event): a duplicate or a replay of an unchanged memory must
        // produce the very same document, so that rewriting it at the same version changes nothing.
        doc.put(vectorField(), VectorJson.of(event.getEmbedding()));
        return doc;
    }

    @Override
    public boolean keepsTombstones() {
        return true;
    }

    @Override
    public Map<String, Object> tombstone(MemoryEvent delete) {
        Map<String, Object> doc = identity(delete);
        doc.put("deleted", true);
        return doc;
    }

    @Override
    public List<String> tombstoneFields() {
        return List.of("deleted");
    }

    @Override
    public boolean isTombstone(JsonNode source) {
        return source.path("deleted").asBoolean(false);
    }

    @Override
    public Optional<Query> aliasFilter() {
        return Optional.of(Query.of(q -> q.bool(b -> b.mustNot(m -> m.term(t -> t.field("deleted").value(true))))));
    }

    @Override
    public String text(JsonNode source) {
        return textOf(source, "text");
    }

    @Override
    public String userId(JsonNode source) {
        return textOf(source, "user_id");
    }

    @Override
    public String userIdField() {
        return "user_id";
    }

    @Override
    public String modelNameField() {
        return "model.name";
    }

    @Override
    public String recordedModel(JsonNode source) {
        JsonNode model = source.get("model");
        return model == null ? null : model.path("provider").asText() + ":" + model.path("name").asText();
    }

    @Override
    public List<String> content(MemoryEvent event) {
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
        fields.add(event.getMetadata() == null ? null : new VerbatimJson(event.getMetadata()).stored());
        fields.add(event.getCategories() == null ? null : String.join("\u001f", event.getCategories()));
        return fields;
    }

    @Override
    public List<String> content(String id, String source) {
        JsonNode fieldsOf = parse(source);
        List<String> fields = new ArrayList<>();
        fields.add(id);
        fields.add(textOf(fieldsOf, "text"));
        fields.add(textOf(fieldsOf, "hash"));
        for (String field : SCOPE_AND_TIME) {
            fields.add(textOf(fieldsOf, field));
        }
        fields.add(VerbatimJson.member(source, "metadata"));
        JsonNode categories = fieldsOf.get("categories");
        if (categories == null || categories.isNull()) {
            fields.add(null);
        } else {
            List<String> values = new ArrayList<>();
            categories.forEach(c -> values.add(c.asText()));
            fields.add(String.join("\u001f", values));
        }
        return fields;
    }

    private static JsonNode parse(String source) {
        try {
            return Json.MAPPER.readTree(source);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("a stored source is not JSON: " + e.getOriginalMessage(), e);
        }
    }

    private static Map<String, Object> identity(MemoryEvent memory) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("memory_id", memory.getId());
        doc.put("version", memory.getVersion());
        doc.put("source_system", memory.getSource().getSystem());
        doc.put("source_name", memory.getSource().getName());
        return doc;
    }

    static Map<String, Object> fingerprint(ModelFingerprint model) {
        Map<String, Object> fingerprint = new LinkedHashMap<>();
        fingerprint.put("provider", model.getProvider());
        fingerprint.put("name", model.getName());
        putIfPresent(fingerprint, "revision", model.getRevision());
        fingerprint.put("dims", model.getDims());
        putIfPresent(fingerprint, "prefix", model.getPrefix());
        return fingerprint;
    }

    private static String textOf(JsonNode source, String field) {
        JsonNode value = source.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }

    static void putIfPresent(Map<String, Object> doc, String field, Object value) {
        if (value != null) {
            doc.put(field, value);
        }
    }

    private static void keyword(ObjectNode properties, String field) {
        properties.putObject(field).put("type", "keyword");
    }
}
