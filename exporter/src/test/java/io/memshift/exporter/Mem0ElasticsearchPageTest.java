package io.memshift.exporter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.memshift.clients.SearchPage;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** How a page of Mem0's Elasticsearch store is read, without a server: payload bytes verbatim, spellings mapped. */
@Tag("fast")
class Mem0ElasticsearchPageTest {

    /** As Mem0's Python library stores a payload: snake_case, its own number forms and escapes. */
    private static final String PYTHON_PAYLOAD = "{\"user_id\":\"alice\",\"score\":1.50,\"big\":1e+21,"
            + "\"note\":\"caf\\u00e9 \\\"q\\\"\",\"role\":\"user\",\"data\":\"Likes caf\u00e9 au lait\","
            + "\"hash\":\"0f3\",\"created_at\":\"2024-07-20T01:03:19.545405-07:00\","
            + "\"updated_at\":\"2024-07-21T01:03:19.545405-07:00\",\"text_lemmatized\":\"like cafe au lait\"}";
    /** As Mem0's TypeScript SDK stores one: camelCase timestamps, pretty-printed by some client. */
    private static final String TS_PAYLOAD = "{ \"user_id\" : \"bob\", \"data\": \"Owns a cat\", \"hash\": \"9c1\","
            + " \"textLemmatized\": \"own cat\", \"createdAt\": \"2025-02-03T04:05:06.789Z\", \"nested\": {\"a\": [1, 2.0]} }";

    @Test
    void payloadsAreCutFromTheResponseByteForByteAndTheOldVectorIsSkipped() {
        String response = "{\"pit_id\":\"p2\",\"took\":3,\"hits\":{\"total\":{\"value\":3},\"hits\":["
                + "{\"_index\":\"mem0\",\"_id\":\"m-1\",\"_score\":null,\"_source\":{\"vector\":[0.1,-0.25,3e-5],"
                + "\"metadata\":" + PYTHON_PAYLOAD + "},\"sort\":[0,11]},"
                + "{\"_index\":\"mem0\",\"_id\":\"m-2\",\"_source\":{\"metadata\":" + TS_PAYLOAD + ",\"vector\":[1,2]},\"sort\":[0,12]},"
                + "{\"_index\":\"mem0\",\"_id\":\"m-3\",\"_source\":{\"vector\":[1,2]},\"sort\":[0,13]}]}}";

        SearchPage<String> page = Mem0ElasticsearchReader.page(response.getBytes(StandardCharsets.UTF_8));

        assertThat(page.pitId()).isEqualTo("p2");
        assertThat(page.hits()).extracting(SearchPage.Hit::id).containsExactly("m-1", "m-2", "m-3");
        assertThat(page.hits().get(0).source()).isEqualTo(PYTHON_PAYLOAD);
        assertThat(page.hits().get(1).source()).isEqualTo(TS_PAYLOAD);
        assertThat(page.hits().get(2).source()).isNull();
        assertThat(page.hits().get(1).sort().toString()).isEqualTo("[0,12]");
    }

    @Test
    void anEmptyPageEndsTheScan() {
        SearchPage<String> page = Mem0ElasticsearchReader.page(
                "{\"pit_id\":\"p3\",\"hits\":{\"hits\":[]}}".getBytes(StandardCharsets.UTF_8));
        assertThat(page.hits()).isEmpty();
    }

    @Test
    void bothSpellingsMapToTheExportShapeAndDateTheMemory() {
        ObjectNode python = Mem0ElasticsearchReader.toMemory("m-1", PYTHON_PAYLOAD);
        assertThat(python.get("memory").asText()).isEqualTo("Likes caf\u00e9 au lait");
        assertThat(python.get("created_at").asText()).isEqualTo("2024-07-20T01:03:19.545405-07:00");
        assertThat(python.get("metadata").toString())
                .isEqualTo("{\"score\":1.50,\"big\":1E+21,\"note\":\"caf\u00e9 \\\"q\\\"\",\"text_lemmatized\":\"like cafe au lait\"}");

        ObjectNode typescript = Mem0ElasticsearchReader.toMemory("m-2", TS_PAYLOAD);
        assertThat(typescript.get("createdAt").asText()).isEqualTo("2025-02-03T04:05:06.789Z");
        assertThat(typescript.get("metadata").has("createdAt")).isFalse();

        MemoryEventConverter converter = new MemoryEventConverter("mem0-es", "mem0", 1000);
        var event = converter.convert(new SourceMemory(typescript, "mem0#2", null, TS_PAYLOAD)).event();
        assertThat(event.getPayload()).isEqualTo(TS_PAYLOAD);
        assertThat(event.getCreatedAtTs()).isEqualTo(java.time.Instant.parse("2025-02-03T04:05:06.789Z"));
        assertThat(event.getVersion() / 1000).as("dated by createdAt, not by the tie-break alone")
                .isEqualTo(java.time.Instant.parse("2025-02-03T04:05:06.789Z").toEpochMilli() * 1000);
        assertThat(event.getExtras()).containsEntry("createdAt", "\"2025-02-03T04:05:06.789Z\"");
        assertThat(event.getCreatedAt()).as("created_at is only what the source spelled so").isNull();
    }

    @Test
    void mem0sBookkeepingIndicesAreRefusedByName() {
        for (String index : new String[] {"mem0migrations", "memory_migrations"}) {
            assertThatThrownBy(() -> new Mem0ElasticsearchReader("http://127.0.0.1:9200/" + index))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("'" + index + "'").hasMessageContaining("bookkeeping");
        }
    }
}
