package io.memshift.exporter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The Qdrant reader against its stand-in alone (no Kafka): ids, entities, paging, retries and refusals. */
class Mem0QdrantScrollTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEY = "qdrant-test-secret-key-789";

    @Test
    void integerAndUuidPointIdsAreTheMemoryIdsInQdrantsOrder() throws Exception {
        try (QdrantStandIn qdrant = new QdrantStandIn(null)) {
            qdrant.createCollection("mem0");
            String uuid = Mem0QdrantReaderTest.uuid(1);
            BigInteger largest = new BigInteger("18446744073709551615"); // 2^64 - 1, Qdrant's largest integer id
            qdrant.upsert("mem0", uuid, Mem0QdrantReaderTest.pythonPayload(1));
            qdrant.upsert("mem0", largest, Mem0QdrantReaderTest.pythonPayload(2));
            qdrant.upsert("mem0", 7L, Mem0QdrantReaderTest.pythonPayload(3));
            List<SourceMemory> read = new ArrayList<>();
            // A page of 2 makes the largest integer id a next_page_offset that must travel back unchanged.
            new Mem0QdrantReader(new QdrantClient(qdrant.url(), null), "mem0", 2).forEach(read::add);

            assertThat(read).extracting(m -> m.json().get("id").asText())
                    .containsExactly("7", "18446744073709551615", uuid);
            assertThat(read).extracting(SourceMemory::position)
                    .containsExactly("mem0#1 (id 7)", "mem0#2 (id 18446744073709551615)", "mem0#3 (id " + uuid + ")");
            MemoryEventConverter.Result result = new MemoryEventConverter("mem0-qdrant", "mem0", 1000).convert(read.get(1));
            assertThat(result.problems()).isEmpty();
            assertThat(result.event().getId()).isEqualTo("18446744073709551615");
            assertThat(result.event().getText()).isEqualTo("Memory number 2");
        }
    }

    @Test
    void theEntitiesCollectionIsReadWholeWithPayloadsVerbatim() throws Exception {
        try (QdrantStandIn qdrant = new QdrantStandIn(KEY)) {
            qdrant.createCollection("mem0");
            qdrant.createCollection("mem0_entities");
            List<ObjectNode> written = new ArrayList<>();
            for (int i = 0; i < 2_345; i++) {
                ObjectNode payload = JSON.createObjectNode();
                payload.put("data", "Entity " + i);
                if (i % 2 == 0) { // Python: snake_case
                    payload.put("entity_type", "PERSON");
                    payload.putArray("linked_memory_ids").add(Mem0QdrantReaderTest.uuid(i)).add(Mem0QdrantReaderTest.uuid(i + 1));
                } else { // TypeScript: camelCase
                    payload.put("entityType", "PLACE");
                    payload.putArray("linkedMemoryIds").add(Mem0QdrantReaderTest.uuid(i));
                }
                payload.put("user_id", "u" + i % 5);
                payload.put("confidence", new java.math.BigDecimal("0.950"));
                qdrant.upsert("mem0_entities", Mem0QdrantReaderTest.uuid(100_000 + i), payload);
                written.add(payload);
            }
            Mem0QdrantReader reader = Mem0QdrantReader.open(qdrant.url() + "/mem0", Map.of(QdrantClient.API_KEY_ENV, KEY));
            assertThat(reader.entitiesCollection()).isEqualTo("mem0_entities");
            List<SourceEntity> entities = new ArrayList<>();
            reader.forEachEntity(entities::add);

            assertThat(entities).hasSize(2_345);
            assertThat(entities).extracting(SourceEntity::id).doesNotHaveDuplicates();
            assertThat(qdrant.pages()).as("2,345 entities in pages of 1,000").isEqualTo(3);
            SourceEntity python = entities.stream().filter(e -> e.id().equals(Mem0QdrantReaderTest.uuid(100_010)))
                    .findFirst().orElseThrow();
            assertThat(python.payload()).isEqualTo("{\"data\":\"Entity 10\",\"entity_type\":\"PERSON\",\"linked_memory_ids\":[\""
                    + Mem0QdrantReaderTest.uuid(10) + "\",\"" + Mem0QdrantReaderTest.uuid(11) + "\"],\"user_id\":\"u0\",\"confidence\":0.950}");
            SourceEntity typescript = entities.stream().filter(e -> e.id().equals(Mem0QdrantReaderTest.uuid(100_011)))
                    .findFirst().orElseThrow();
            assertThat(typescript.payload()).isEqualTo(JSON.writeValueAsString(written.get(11)));
            assertThat(typescript.position()).startsWith("mem0_entities#").endsWith("(id " + typescript.id() + ")");
        }
    }

    @Test
    void aStoreWithoutAnEntitiesCollectionHasNoEntities() throws Exception {
        try (QdrantStandIn qdrant = new QdrantStandIn(null)) {
            qdrant.createCollection("mem0");
            List<SourceEntity> entities = new ArrayList<>();
            Mem0QdrantReader.open(qdrant.url() + "/mem0", Map.of()).forEachEntity(entities::add);
            assertThat(entities).isEmpty();
            assertThat(qdrant.pages()).isZero();
        }
    }

    @Test
    void aMissingCollectionFailsNamingTheServerAndTheCollection() throws Exception {
        try (QdrantStandIn qdrant = new QdrantStandIn(null)) {
            qdrant.createCollection("mem0");
            Mem0QdrantReader reader = Mem0QdrantReader.open(qdrant.url() + "/memories", Map.of());
            assertThatThrownBy(() -> reader.forEach(m -> { }))
                    .isInstanceOf(InvalidSourceException.class)
                    .hasMessageContaining(qdrant.url() + "/memories")
                    .hasMessageContaining("no collection 'memories'");
            assertThat(qdrant.pages()).isZero();
        }
    }

    @Test
    void aWrongOrMissingKeyFailsAtOnceWithoutPrintingTheKey() throws Exception {
        try (QdrantStandIn qdrant = new QdrantStandIn(KEY)) {
            qdrant.createCollection("mem0");
            String wrong = "qdrant-wrong-key-456";
            Mem0QdrantReader reader = Mem0QdrantReader.open(qdrant.url() + "/mem0", Map.of(QdrantClient.API_KEY_ENV, wrong));
            assertThatThrownBy(() -> reader.forEach(m -> { }))
                    .isInstanceOf(QdrantClient.QdrantException.class)
                    .hasMessageContaining("403").hasMessageContaining("QDRANT_API_KEY")
                    .message().doesNotContain(wrong).doesNotContain(KEY);
            assertThat(qdrant.requests()).as("a refused key is not retried").isEqualTo(1);

            Mem0QdrantReader keyless = Mem0QdrantReader.open(qdrant.url() + "/mem0", Map.of());
            assertThatThrownBy(() -> keyless.forEach(m -> { }))
                    .isInstanceOf(QdrantClient.QdrantException.class)
                    .hasMessageContaining("401").hasMessageContaining("set QDRANT_API_KEY");
        }
    }

    @Test
    void pagesAnswered503AreAskedAgainAndEveryPointIsReadOnce() throws Exception {
        try (QdrantStandIn qdrant = new QdrantStandIn(null)) {
            qdrant.createCollection("mem0");
            for (int i = 0; i < 50; i++) {
                qdrant.upsert("mem0", Mem0QdrantReaderTest.uuid(i), Mem0QdrantReaderTest.pythonPayload(i));
            }
            qdrant.failEvery(3);
            List<String> ids = new ArrayList<>();
            new Mem0QdrantReader(new QdrantClient(qdrant.url(), null), "mem0", 10).forEach(m -> ids.add(m.json().get("id").asText()));

            assertThat(ids).hasSize(50).doesNotHaveDuplicates();
            assertThat(qdrant.unavailable()).isGreaterThanOrEqualTo(2);
            assertThat(qdrant.pages()).as("5 pages of 10, each served once").isEqualTo(5);
        }
    }

    @Test
    void aServerThatStaysUnavailableFailsAfterTheLastAttemptNamingTheCall() throws Exception {
        try (QdrantStandIn qdrant = new QdrantStandIn(null)) {
            qdrant.createCollection("mem0");
            qdrant.failEvery(1);
            // No waiting between attempts here: what is tested is that it gives up, and how it says so.
            assertThatThrownBy(() -> new QdrantClient(qdrant.url(), null, SourceRetries.SERVER_ERRORS.withTime(java.time.Clock.systemUTC(), wait -> { }, () -> 0)).collection("mem0"))
                    .isInstanceOf(QdrantClient.QdrantException.class)
                    .hasMessageContaining("GET " + qdrant.url() + "/collections/mem0")
                    .hasMessageContaining("failed " + SourceRetries.MAX_ATTEMPTS + " times")
                    .hasMessageContaining("503");
            assertThat(qdrant.requests()).isEqualTo(SourceRetries.MAX_ATTEMPTS);
        }
    }

    @Test
    void aSourceUrlMustNameACollectionThatHoldsMemories() {
        assertThatThrownBy(() -> Mem0QdrantReader.open("http://localhost:6333", Map.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("http(s)://host:6333/<collection>");
        assertThatThrownBy(() -> Mem0QdrantReader.open("localhost:6333/mem0", Map.of()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Mem0QdrantReader.open("http://localhost:6333/mem0migrations", Map.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bookkeeping");
        Mem0QdrantReader reader = Mem0QdrantReader.open("https://xyz.cloud.qdrant.io:6333/mem0", Map.of(QdrantClient.API_KEY_ENV, KEY));
        assertThat(reader.identity()).isEqualTo("https://xyz.cloud.qdrant.io:6333/mem0").doesNotContain(KEY);
        assertThat(reader.kind()).isEqualTo("mem0-qdrant");
        assertThat(reader.shortName()).isEqualTo("mem0");
        assertThat(reader.stamp()).isEmpty();
    }
}
