package io.memshift.importer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import io.memshift.clients.ElasticsearchClients;
import io.memshift.embedded.EmbeddedStackExtension;
import io.memshift.embedded.StackEndpoints;
import io.memshift.schemas.EmbeddedMemoryEvent;
import io.memshift.schemas.MemoryEvent;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.http.util.EntityUtils;
import org.elasticsearch.client.Request;
import org.elasticsearch.client.RestClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Numbers in a memory's metadata (and extras) arrive in the index as the source spelled them, in both layouts and
 * both bulk encodings, through the real importer into the real Elasticsearch: read back as the raw bytes of
 * {@code _source}, never through a parser that would print them again.
 */
@ExtendWith(EmbeddedStackExtension.class)
class MetadataSpellingTest {

    /** The user sweep's memory: more digits than a double holds, a trailing zero, an exponent. */
    private static final String SWEEP = "{\"a\":12345678901234567.89,\"b\":0.12345678901234567890123,\"c\":19.90,"
            + "\"d\":1E-7}";
    /** Spellings that a double, and also a BigDecimal, would write otherwise; an escape a writer would undo. */
    private static final String SPELLINGS = "{\"e\":1e2,\"f\":-0.0,\"g\":-0,\"h\":2.50e-3,\"i\":{\"j\":7E+1, "
            + "\"l\":[1.10, 2.0]},\"k\":\"caf\\u00e9\"}";
    /** Over several lines: no NDJSON line holds it as it is, so it goes compact, each token still as spelled. */
    private static final String MULTI_LINE = "{\n  \"n\": 1e2,\r\n  \"o\": {\"p\": 19.90, \"q\": \"a b\"}\n}";
    private static final String MULTI_LINE_COMPACT = "{\"n\":1e2,\"o\":{\"p\":19.90,\"q\":\"a b\"}}";
    /** An extra field of the source (kept as its exact JSON text), a number too. */
    private static final Map<String, String> EXTRAS = Map.of("weight", "1.0E+3");

    @Test
    void metadataNumbersArriveAsSpelledInEveryLayoutAndEncoding(StackEndpoints stack) throws Exception {
        List<EmbeddedMemoryEvent> events = List.of(
                memory("s-1", SWEEP, EXTRAS),
                memory("s-2", SPELLINGS, Map.of()),
                memory("s-3", MULTI_LINE, Map.of()));
        // The sweep's memory is one SMILE keeps byte for byte, so the SMILE runs do send it in SMILE.
        for (DocumentLayout layout : List.of(DocumentLayout.MEM0, DocumentLayout.MEMSHIFT)) {
            assertThat(BulkAction.write("i", "s-1", 1, layout.document(events.get(0))).exactInBinary()).isTrue();
        }

        try (ElasticsearchClient es = ElasticsearchClients.connect(stack.elasticsearchUrl())) {
            RestClient rest = ElasticsearchClients.lowLevel(es);
            for (DocumentLayout layout : List.of(DocumentLayout.MEM0, DocumentLayout.MEMSHIFT)) {
                for (BulkEncoding encoding : BulkEncoding.values()) {
                    String index = "spelling-" + layout.name() + "-" + encoding.label();
                    assertThat(importAll(stack, index, layout, encoding, events).indexed()).isEqualTo(events.size());

                    if (layout == DocumentLayout.MEMSHIFT) {
                        assertThat(rawSource(rest, index, "s-1")).as(index).contains("\"metadata\":" + SWEEP + ",")
                                .contains("\"extras\":{\"weight\":1.0E+3}");
                        assertThat(rawSource(rest, index, "s-2")).as(index).contains("\"metadata\":" + SPELLINGS + ",");
                        assertThat(rawSource(rest, index, "s-3")).as(index)
                                .contains("\"metadata\":" + MULTI_LINE_COMPACT + ",");
                    } else {
                        // Mem0's payload: the metadata's members as spelled, then the memory's own fields.
                        assertThat(rawSource(rest, index, "s-1")).as(index).contains("\"metadata\":"
                                + withoutClosingBrace(SWEEP) + ",\"user_id\":\"alice\",\"weight\":1.0E+3,"
                                + "\"data\":\"text s-1\",\"hash\":\"h\",\"created_at\":\"2024-01-01T00:00:00Z\"},");
                        assertThat(rawSource(rest, index, "s-2")).as(index)
                                .contains("\"metadata\":" + withoutClosingBrace(SPELLINGS) + ",\"user_id\":\"alice\",");
                        // Each member's value as it was: on one line, it keeps even its spaces.
                        assertThat(rawSource(rest, index, "s-3")).as(index).contains("\"metadata\":{\"n\":1e2,"
                                + "\"o\":{\"p\": 19.90, \"q\": \"a b\"},\"user_id\":\"alice\",");
                    }

                    // verify reads what the index holds as exactly, and finds each memory unchanged.
                    Map<String, String> stored = new HashMap<>();
                    new IndexScanner(es).scan(index, List.of(layout.vectorField()),
                            hit -> stored.put(hit.id(), hit.source()));
                    for (EmbeddedMemoryEvent event : events) {
                        MemoryEvent memory = event.getMemory();
                        assertThat(layout.content(memory.getId(), stored.get(memory.getId())))
                                .as(index + " " + memory.getId()).isEqualTo(layout.content(memory));
                    }
                }
            }
        }
    }

    @Test
    void anIntegerBeyondLongIsStoredAsSpelledOrRefusedNeverRounded(StackEndpoints stack) throws Exception {
        String big = "{\"big\":123456789012345678901234567890}";
        List<EmbeddedMemoryEvent> events = List.of(memory("b-1", big, Map.of()));
        try (ElasticsearchClient es = ElasticsearchClients.connect(stack.elasticsearchUrl())) {
            RestClient rest = ElasticsearchClients.lowLevel(es);
            // The memshift layout keeps metadata unindexed: it is stored as spelled.
            BulkOutcome memshift = importAll(stack, "big-integer-memshift", DocumentLayout.MEMSHIFT, BulkEncoding.JSON,
                    events);
            assertThat(memshift.indexed()).isEqualTo(1);
            assertThat(rawSource(rest, "big-integer-memshift", "b-1")).contains("\"metadata\":" + big + ",");
            // The mem0 layout maps metadata dynamically, as Mem0 does: Elasticsearch 8 maps the key as a long and
            // refuses the value (400, the memory goes to the import dead-letter topic, as Mem0's own write would
            // fail). Refused, or stored as spelled, but never stored rounded.
            new IndexLifecycle(es).ensureIndex("big-integer-mem0", DocumentLayout.MEM0, IndexMapping.forDims(4), "t");
            try (ElasticsearchWriter writer = new ElasticsearchWriter(es, "big-integer-mem0", DocumentLayout.MEM0,
                    BulkEncoding.JSON, 10, 1_000_000, 1, RetryPolicy.BACKOFF, new ImportMetrics())) {
                ElasticsearchWriter.Result result = writer.write(events);
                if (result.outcome().dead() == 1) {
                    assertThat(result.rejected().get(0).status()).isEqualTo(400);
                    assertThat(result.rejected().get(0).reason()).contains("metadata.big");
                } else {
                    assertThat(rawSource(rest, "big-integer-mem0", "b-1"))
                            .contains("\"metadata\":" + withoutClosingBrace(big) + ",");
                }
            }
        }
    }

    private static BulkOutcome importAll(StackEndpoints stack, String index, DocumentLayout layout,
                                         BulkEncoding encoding, List<EmbeddedMemoryEvent> events) throws Exception {
        String topic = "memories.embedded." + index;
        TestEvents.publish(stack, topic, events);
        ImporterConfig config = TestEvents.config(stack, topic, index, layout).withBulkEncoding(encoding);
        try (Importer importer = new Importer(config)) {
            importer.start();
            await().atMost(Duration.ofSeconds(60)).until(() -> importer.outcome().settled() >= events.size());
            assertThat(importer.failure()).isNull();
            return importer.outcome();
        }
    }

    private static EmbeddedMemoryEvent memory(String id, String metadata, Map<String, String> extras) {
        EmbeddedMemoryEvent upsert = TestEvents.upsert(id, "text " + id, 1, 1, 0, 0, 0);
        MemoryEvent memory = MemoryEvent.newBuilder(upsert.getMemory()).setMetadata(metadata).setExtras(extras).build();
        return EmbeddedMemoryEvent.newBuilder(upsert).setMemory(memory).build();
    }

    /** An object's text open, for the members Mem0's payload adds after the metadata's. */
    private static String withoutClosingBrace(String object) {
        return object.substring(0, object.length() - 1);
    }

    /** The document's {@code _source} as Elasticsearch keeps it: its bytes, not a parse of them. */
    private static String rawSource(RestClient rest, String index, String id) throws Exception {
        Request get = new Request("GET", "/" + index + "/_source/" + id);
        return EntityUtils.toString(rest.performRequest(get).getEntity(), StandardCharsets.UTF_8);
    }
}
