package io.memshift.importer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.memshift.schemas.EmbeddedMemoryEvent;
import io.memshift.schemas.Json;
import io.memshift.schemas.MemoryEvent;
import io.memshift.schemas.Op;
import io.memshift.schemas.SourceRef;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The two document layouts, without a server: what each writes, maps and reads back. */
@Tag("fast")
class DocumentLayoutTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** As Mem0's TypeScript SDK stores a payload; some client wrote it with spaces and an escape. */
    private static final String TS_PAYLOAD = "{\"user_id\": \"bob\", \"data\": \"Owns a cat named F\\u00e9lix\","
            + " \"hash\": \"9c1\", \"textLemmatized\": \"own cat name felix\", \"createdAt\": \"2025-02-03T04:05:06.789Z\","
            + " \"score\": 1.50}";

    /** Numbers a double, or a BigDecimal, would print otherwise. */
    private static final String PRECISE = "{\"a\":12345678901234567.89,\"b\":0.12345678901234567890123,\"c\":19.90,"
            + "\"d\":1E-7,\"e\":1e2,\"f\":-0.0,\"g\":123456789012345678901234567890}";

    private static MemoryEvent.Builder memory(String id) {
        return MemoryEvent.newBuilder().setOp(Op.UPSERT).setId(id).setText("Prefers aisle seats").setHash("h1")
                .setUserId("alice").setAgentId("travel").setRole("user").setActorId("alice-phone")
                .setMetadata("{\"source\":\"chat\",\"confidence\":0.750}")
                .setCategories(List.of("travel", "preferences"))
                .setCreatedAt("2024-04-29T23:41:00.471837-07:00").setCreatedAtTs(Instant.parse("2024-04-30T06:41:00.471837Z"))
                .setVersion(1_714_459_260_471_837_123L)
                .setSource(SourceRef.newBuilder().setSystem("mem0-json").setName("export.json").setPosition("export.json:7").build());
    }

    private static EmbeddedMemoryEvent embedded(MemoryEvent memory) {
        return EmbeddedMemoryEvent.newBuilder().setMemory(memory).setEmbedding(List.of(0.5f, -0.5f, 0.25f, 0f))
                .setModel(TestEvents.MODEL).setEmbeddedAt(Instant.now()).build();
    }

    @Test
    void mem0LayoutWritesTheSourcesOwnPayloadByteForByte() throws Exception {
        MemoryEvent memory = memory("m-ts").setMetadata(null).setPayload(TS_PAYLOAD).build();
        String doc = JSON.writeValueAsString(DocumentLayout.MEM0.document(embedded(memory)));

        assertThat(doc).startsWith("{\"vector\":[0.5,-0.5,0.25,0.0],\"metadata\":" + TS_PAYLOAD + ",\"memshift\":{");
        JsonNode own = JSON.readTree(doc).get("memshift");
        assertThat(own.get("version").asLong()).isEqualTo(memory.getVersion());
        assertThat(own.get("model").get("name").asText()).isEqualTo("unit");
        assertThat(own.get("source").get("position").asText()).isEqualTo("export.json:7");
    }

    @Test
    void mem0LayoutBuildsThePayloadMem0sPythonLibraryWouldHaveWritten() throws Exception {
        MemoryEvent memory = memory("m-py").setExtras(Map.of("expiration_date", "\"2026-01-01\"")).build();
        JsonNode payload = JSON.readTree(Mem0Layout.payload(memory));

        List<String> keys = new java.util.ArrayList<>();
        payload.fieldNames().forEachRemaining(keys::add);
        assertThat(keys).containsExactly("source", "confidence", "user_id", "agent_id", "role", "actor_id",
                "expiration_date", "categories", "data", "hash", "created_at");
        assertThat(payload.get("data").asText()).isEqualTo("Prefers aisle seats");
        assertThat(payload.get("user_id").asText()).isEqualTo("alice");
        assertThat(payload.get("created_at").asText()).isEqualTo("2024-04-29T23:41:00.471837-07:00");
        assertThat(Mem0Layout.payload(memory)).contains("\"confidence\":0.750");
        // Every number the source gave is copied as spelled, where a parse would print 0.0000001, 100, 0.0.
        MemoryEvent precise = memory("m-precise").setMetadata(PRECISE).setExtras(Map.of("weight", "1.0E+3")).build();
        assertThat(Mem0Layout.payload(precise)).startsWith(PRECISE.substring(0, PRECISE.length() - 1)
                + ",\"user_id\":\"alice\",").contains(",\"weight\":1.0E+3,");
        // Over several lines, each member goes compact, still as spelled.
        MemoryEvent lines = memory("m-lines")
                .setMetadata("{\n \"a\": {\"b\": 1e2,\n \"c\": \"x y\"},\r\n \"d\": -0.0\n}").build();
        assertThat(Mem0Layout.payload(lines))
                .startsWith("{\"a\":{\"b\":1e2,\"c\":\"x y\"},\"d\":-0.0,\"user_id\":");
        assertThatThrownBy(() -> Mem0Layout.payload(memory("m-bad").setMetadata("[1]").build()))
                .hasMessageContaining("m-bad");
        // Mem0 sets its own keys after the caller's metadata: a metadata key named like one of them loses.
        MemoryEvent clash = memory("m-clash").setMetadata("{\"data\":\"not the text\",\"user_id\":\"mallory\"}").build();
        assertThat(JSON.readTree(Mem0Layout.payload(clash)).get("data").asText()).isEqualTo("Prefers aisle seats");
        assertThat(JSON.readTree(Mem0Layout.payload(clash)).get("user_id").asText()).isEqualTo("alice");
        // The TypeScript SDK's spellings, kept in extras, come back as the source gave them.
        MemoryEvent typescript = memory("m-camel").setCreatedAt(null)
                .setExtras(new LinkedHashMap<>(Map.of("createdAt", "\"2025-02-03T04:05:06.789Z\""))).build();
        assertThat(JSON.readTree(Mem0Layout.payload(typescript)).get("createdAt").asText()).isEqualTo("2025-02-03T04:05:06.789Z");
        assertThat(JSON.readTree(Mem0Layout.payload(typescript)).has("created_at")).isFalse();
    }

    @Test
    void mem0LayoutMapsAsMem0DoesAndKeepsItsOwnNotesApart() throws Exception {
        JsonNode body = JSON.readTree(DocumentLayout.MEM0.indexBody(new IndexMapping(384, "cosine", "int8_hnsw", 1, 0),
                Map.of("memshift_layout", "mem0")));
        JsonNode mappings = body.get("mappings");
        // Not strict: Mem0's own later writes (custom metadata keys) must fit.
        assertThat(mappings.has("dynamic")).isFalse();
        JsonNode properties = mappings.get("properties");
        assertThat(properties.get("vector").get("type").asText()).isEqualTo("dense_vector");
        assertThat(properties.get("vector").get("dims").asInt()).isEqualTo(384);
        assertThat(properties.get("vector").get("similarity").asText()).isEqualTo("cosine");
        assertThat(properties.get("vector").get("index").asBoolean()).isTrue();
        for (String scope : new String[] {"user_id", "agent_id", "run_id"}) {
            assertThat(properties.get("metadata").get("properties").get(scope).get("type").asText()).isEqualTo("keyword");
        }
        assertThat(properties.get("memshift").get("dynamic").asText()).isEqualTo("strict");
        assertThat(mappings.get("_meta").get("memshift_layout").asText()).isEqualTo("mem0");
    }

    @Test
    void contentReadBackIsTheSourcesExactlyAndAReEncodedNumberIsAChange() throws Exception {
        MemoryEvent memory = memory("m-ts").setPayload(TS_PAYLOAD).build();
        String stored = "{\"metadata\":" + TS_PAYLOAD + ",\"memshift\":{\"version\":1}}";
        assertThat(DocumentLayout.MEM0.content("m-ts", stored)).isEqualTo(DocumentLayout.MEM0.content(memory));
        JsonNode parsed = Json.MAPPER.readTree(stored);
        assertThat(DocumentLayout.MEM0.text(parsed)).isEqualTo("Owns a cat named F\u00e9lix");
        assertThat(DocumentLayout.MEM0.userId(parsed)).isEqualTo("bob");

        // As Elasticsearch prints a filtered source again: the same value for a reader, not the same memory.
        assertThat(DocumentLayout.MEM0.content("m-ts", stored.replace("1.50", "1.5")))
                .isNotEqualTo(DocumentLayout.MEM0.content(memory));
        assertThat(DocumentLayout.MEM0.content("m-ts", stored.replace("F\\u00e9lix", "F\u00e9lix")))
                .isNotEqualTo(DocumentLayout.MEM0.content(memory));
        for (DocumentLayout layout : List.of(DocumentLayout.MEM0, DocumentLayout.MEMSHIFT)) {
            MemoryEvent precise = memory("m-1").setMetadata(PRECISE).build();
            String doc = JSON.writeValueAsString(layout.document(embedded(precise)));
            assertThat(layout.content("m-1", doc)).as(layout.name()).isEqualTo(layout.content(precise));
            assertThat(layout.content("m-1", doc.replace("19.90", "19.9"))).as(layout.name())
                    .isNotEqualTo(layout.content(precise));
            assertThat(layout.content("m-1", doc.replace("1E-7", "0.0000001"))).as(layout.name())
                    .isNotEqualTo(layout.content(precise));
        }
    }

    @Test
    void memshiftLayoutKeepsItsStrictDocumentsAndTombstones() throws Exception {
        MemoryEvent memory = memory("m-1").build();
        String written = JSON.writeValueAsString(DocumentLayout.MEMSHIFT.document(embedded(memory)));
        JsonNode doc = JSON.readTree(written);
        assertThat(doc.get("memory_id").asText()).isEqualTo("m-1");
        assertThat(doc.get("text").asText()).isEqualTo("Prefers aisle seats");
        assertThat(doc.get("embedding")).hasSize(4);
        assertThat(DocumentLayout.MEMSHIFT.content("m-1", written)).isEqualTo(DocumentLayout.MEMSHIFT.content(memory));

        MemoryEvent delete = MemoryEvent.newBuilder().setOp(Op.DELETE).setId("m-1").setVersion(9)
                .setSource(SourceRef.newBuilder().setSystem("ingest").setName("live").build()).build();
        JsonNode tombstone = JSON.valueToTree(DocumentLayout.MEMSHIFT.tombstone(delete));
        assertThat(DocumentLayout.MEMSHIFT.isTombstone(tombstone)).isTrue();
        assertThat(tombstone.has("text")).isFalse();
        assertThat(JSON.readTree(DocumentLayout.MEMSHIFT.indexBody(IndexMapping.forDims(4), Map.of()))
                .get("mappings").get("dynamic").asText()).isEqualTo("strict");

        assertThat(DocumentLayout.named("mem0")).isSameAs(DocumentLayout.MEM0);
        assertThatThrownBy(() -> DocumentLayout.named("qdrant")).hasMessageContaining("mem0, memshift");
    }
}
