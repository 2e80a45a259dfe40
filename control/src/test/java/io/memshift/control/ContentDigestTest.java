package io.memshift.control;

import static org.assertj.core.api.Assertions.assertThat;

import io.memshift.importer.DocumentLayout;
import io.memshift.schemas.EmbeddedMemoryEvent;
import io.memshift.schemas.Json;
import io.memshift.schemas.MemoryEvent;
import io.memshift.schemas.ModelFingerprint;
import io.memshift.schemas.Op;
import io.memshift.schemas.SourceRef;
import java.time.Instant;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("fast")
class ContentDigestTest {

    private static MemoryEvent.Builder memory() {
        return MemoryEvent.newBuilder().setOp(Op.UPSERT).setId("m-1").setText("User prefers dark roast coffee")
                .setHash("9b1c").setUserId("alice").setAgentId("barista").setRunId(null).setActorId(null).setRole("user")
                .setMetadata("{\"source\": \"chat\", \"score\": 0.10, \"tags\": [\"a\", \"b\"]}")
                .setCategories(List.of("food", "preferences"))
                .setCreatedAt("2024-03-01T10:00:00.123+01:00").setCreatedAtTs(Instant.parse("2024-03-01T09:00:00.123Z"))
                .setUpdatedAt("2024-03-02T10:00:00Z").setUpdatedAtTs(Instant.parse("2024-03-02T10:00:00Z"))
                .setVersion(7).setSource(SourceRef.newBuilder().setSystem("mem0-json").setName("export.json").build());
    }

    private static final List<DocumentLayout> LAYOUTS = List.of(DocumentLayout.MEM0, DocumentLayout.MEMSHIFT);

    /** The {@code _source} the importer writes for the event, as its exact JSON text. */
    private static String indexed(DocumentLayout layout, MemoryEvent event) throws Exception {
        ModelFingerprint model = ModelFingerprint.newBuilder().setProvider("onnx").setName("bge-small-en-v15")
                .setRevision(null).setDims(2).setPrefix(null).build();
        EmbeddedMemoryEvent embedded = EmbeddedMemoryEvent.newBuilder().setMemory(event)
                .setEmbedding(List.of(0.6f, 0.8f)).setModel(model).setEmbeddedAt(Instant.EPOCH).build();
        return Json.MAPPER.writeValueAsString(layout.document(embedded));
    }

    private static long digestWith(Consumer<MemoryEvent.Builder> change) {
        MemoryEvent.Builder builder = memory();
        change.accept(builder);
        return ContentDigest.of(DocumentLayout.MEMSHIFT, builder.build());
    }

    @Test
    void aMemoryAndTheDocumentTheImporterWritesForItHaveOneDigest() throws Exception {
        for (DocumentLayout layout : LAYOUTS) {
            MemoryEvent event = memory().build();
            assertThat(ContentDigest.of(layout, "m-1", indexed(layout, event))).as(layout.name())
                    .isEqualTo(ContentDigest.of(layout, event));

            MemoryEvent sparse = memory().setHash(null).setUserId(null).setAgentId(null).setRole(null).setMetadata(null)
                    .setCategories(null).setUpdatedAt(null).setUpdatedAtTs(null).build();
            assertThat(ContentDigest.of(layout, "m-1", indexed(layout, sparse))).as(layout.name())
                    .isEqualTo(ContentDigest.of(layout, sparse));
        }
        // A payload carried verbatim from a Mem0 store: the digest covers it whole.
        MemoryEvent carried = memory().setPayload("{\"data\":\"User prefers dark roast coffee\",\"createdAt\":\"2024\"}").build();
        assertThat(ContentDigest.of(DocumentLayout.MEM0, "m-1", indexed(DocumentLayout.MEM0, carried)))
                .isEqualTo(ContentDigest.of(DocumentLayout.MEM0, carried))
                .isNotEqualTo(ContentDigest.of(DocumentLayout.MEM0, memory().build()));
    }

    @Test
    void whatTheIndexAddsBesideTheMemoryDoesNotCount() throws Exception {
        for (DocumentLayout layout : LAYOUTS) {
            MemoryEvent event = memory().build();
            long before = ContentDigest.of(layout, event);
            MemoryEvent reEmbedded = memory().setVersion(8)
                    .setSource(SourceRef.newBuilder().setSystem("ingest").setName("live").build()).build();
            assertThat(ContentDigest.of(layout, reEmbedded)).isEqualTo(before);
            assertThat(ContentDigest.of(layout, "m-1", indexed(layout, reEmbedded))).isEqualTo(before);
        }
    }

    @Test
    void everyFieldThatMustSurviveChangesTheDigest() {
        long original = ContentDigest.of(DocumentLayout.MEMSHIFT, memory().build());
        List<Consumer<MemoryEvent.Builder>> changes = List.of(
                b -> b.setId("m-2"),
                b -> b.setText("User prefers light roast coffee"),
                b -> b.setHash("9b1d"),
                b -> b.setUserId("bob"),
                b -> b.setAgentId("waiter"),
                b -> b.setRunId("run-1"),
                b -> b.setActorId("alice"),
                b -> b.setRole("assistant"),
                b -> b.setCreatedAt("2024-03-01T09:00:00.123Z"),
                b -> b.setUpdatedAt("2024-03-02T10:00:01Z"),
                b -> b.setMetadata("{\"source\": \"chat\", \"score\": 0.11, \"tags\": [\"a\", \"b\"]}"),
                b -> b.setMetadata("{\"source\": \"chat\", \"score\": 0.10, \"tags\": [\"b\", \"a\"]}"),
                b -> b.setMetadata(null),
                b -> b.setCategories(List.of("preferences", "food")),
                b -> b.setCategories(null));
        for (int i = 0; i < changes.size(); i++) {
            assertThat(digestWith(changes.get(i))).as("change %d", i).isNotEqualTo(original);
        }
    }

    @Test
    void metadataIsComparedAsTheDocumentHoldsItByteForByte() throws Exception {
        long spaced = ContentDigest.of(DocumentLayout.MEMSHIFT, memory().build());
        // Elasticsearch prints a filtered source again, each decimal through a double: 0.10 as 0.1,
        // 12345678901234567.89 as 1.2345678901234568E16. Such a document does not hold the memory as it came.
        String stored = indexed(DocumentLayout.MEMSHIFT, memory().build());
        assertThat(ContentDigest.of(DocumentLayout.MEMSHIFT, "m-1", stored)).isEqualTo(spaced);
        assertThat(ContentDigest.of(DocumentLayout.MEMSHIFT, "m-1", stored.replace("0.10", "0.1"))).isNotEqualTo(spaced);
        assertThat(digestWith(b -> b.setMetadata("{\"n\":12345678901234567.89}")))
                .isNotEqualTo(digestWith(b -> b.setMetadata("{\"n\":1.2345678901234568E16}")));
        assertThat(digestWith(b -> b.setMetadata("{\"n\":1e2}")))
                .isNotEqualTo(digestWith(b -> b.setMetadata("{\"n\":1E+2}")));
        // Other bytes are another document, even of the same value ...
        assertThat(digestWith(b -> b.setMetadata("{\"source\":\"chat\",\"score\":0.10,\"tags\":[\"a\",\"b\"]}")))
                .isNotEqualTo(spaced);
        // ... but a text over several lines is held compact (no NDJSON line holds it as it is), each token as written.
        assertThat(digestWith(b -> b.setMetadata("{\"n\": 1e2,\n \"s\": \"a b\"}")))
                .isEqualTo(digestWith(b -> b.setMetadata("{\"n\":1e2,\"s\":\"a b\"}")));
    }

    @Test
    void nullAndEmptyDifferAndFieldsDoNotRunTogether() {
        assertThat(digestWith(b -> b.setHash(""))).isNotEqualTo(digestWith(b -> b.setHash(null)));
        assertThat(digestWith(b -> b.setCategories(List.of()))).isNotEqualTo(digestWith(b -> b.setCategories(null)));
        long split1 = digestWith(b -> b.setUserId("ab").setAgentId("c"));
        long split2 = digestWith(b -> b.setUserId("a").setAgentId("bc"));
        assertThat(split1).isNotEqualTo(split2);
    }
}
