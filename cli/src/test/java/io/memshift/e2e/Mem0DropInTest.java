package io.memshift.e2e;

import static io.memshift.e2e.IndexContents.rawMetadata;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.memshift.clients.KafkaSettings;
import io.memshift.e2e.Mem0App.StoredMemory;
import io.memshift.embedded.EmbeddedStackExtension;
import io.memshift.embedded.StackEndpoints;
import io.memshift.exporter.MemoryEventPublisher;
import io.memshift.schemas.SchemaRegistryClient;
import io.memshift.schemas.Topics;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10's acceptance, with the real Mem0 client: a Mem0 app writes memories with model A, entities linked for
 * all of them; memshift moves the store, entity store included, to model B in the mem0 layout (stage by stage, on a
 * topic of this test's own), while a memory is deleted upstream; and a Mem0 app on model B, configured with the alias
 * as its collection, finds every memory by its own text at rank 1, lists each user's memories exactly, gets each
 * verbatim, finds every entity through {@code <alias>_entities} by its own text, never sees the deleted memory, and
 * its own update, delete and add work. Payloads written by Mem0's Python library (snake_case) and its TypeScript SDK
 * (camelCase), memories and entities, arrive byte for byte.
 */
@ExtendWith(EmbeddedStackExtension.class)
class Mem0DropInTest {

    private static final String MODEL_A = "onnx:all-minilm-l6-v2";
    private static final String MODEL_B = "onnx:bge-small-en-v15";
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path work;

    @TempDir
    Path dataDir;

    @Test
    void aMem0AppOnTheNewModelKeepsWorkingThroughTheAlias(StackEndpoints stack) throws Exception {
        Mem0App.harness();
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String source = "mem0_src_" + suffix;
        String alias = "mem0_dropin_" + suffix;
        String topic = "memories.dropin-" + suffix;
        String index = "mem0-dropin-" + suffix;

        // The app writes with model A; Mem0 links the entities of every memory (Mem0ServeTest.memories()).
        Mem0App.Written written;
        int dimsA;
        try (ServeInProcess serveA = new ServeInProcess(MODEL_A)) {
            dimsA = serveA.dims();
            written = new Mem0App(stack.elasticsearchUrl(), source, serveA.baseUrl(), "model-a", dimsA, work)
                    .write(Mem0ServeTest.memories());
        }
        assertThat(written.lost()).isEmpty();
        assertThat(written.entities()).as("entities Mem0 linked").hasSizeGreaterThan(10);

        // Beside them, memories and entities as Mem0's Python library stores them: snake_case, its client's compact
        // JSON, a number form of its own, an escaped character. Their vectors are not model A's: memshift re-embeds.
        List<StoredMemory> python = List.of(
                new StoredMemory("py-" + suffix + "-1", "py-user", "Takes the 28 tram to work in Lisbon every morning", null),
                new StoredMemory("py-" + suffix + "-2", "py-user", "Grows basil and rosemary on the balcony", null));
        StringBuilder bulk = new StringBuilder();
        for (StoredMemory memory : python) {
            bulk.append(document(source, memory.id(), dimsA, "{\"source\":\"import\",\"weight\":0.50,\"user_id\":\"py-user\","
                    + "\"role\":\"user\",\"data\":\"" + memory.text() + " caf\\u00e9\",\"hash\":\"5d41\","
                    + "\"created_at\":\"2024-07-20T01:03:19.545405-07:00\",\"updated_at\":\"2024-07-21T01:03:19.545405-07:00\","
                    + "\"text_lemmatized\":\"python memory\"}"));
        }
        python = List.of(new StoredMemory(python.get(0).id(), "py-user", python.get(0).text() + " caf\u00e9", null),
                new StoredMemory(python.get(1).id(), "py-user", python.get(1).text() + " caf\u00e9", null));
        List<String> pythonEntityIds = List.of("pye-" + suffix + "-1", "pye-" + suffix + "-2");
        String[] pythonEntityTexts = {"Lisbon", "Caf\\u00e9 Nicola"};
        for (int i = 0; i < 2; i++) {
            bulk.append(document(source + "_entities", pythonEntityIds.get(i), dimsA, "{\"data\":\"" + pythonEntityTexts[i]
                    + "\",\"entity_type\":\"PLACE\",\"linked_memory_ids\":[\"" + python.get(i).id() + "\"],"
                    + "\"user_id\":\"py-user\",\"confidence\":0.950}"));
        }
        IndexContents.bulk(stack, bulk.toString());
        List<JsonNode> entities = new ArrayList<>(written.entities());
        for (int i = 0; i < 2; i++) {
            ObjectNode entity = Mem0App.JSON.createObjectNode().put("data", i == 0 ? "Lisbon" : "Caf\u00e9 Nicola")
                    .put("user_id", "py-user").putNull("entityType").putNull("linkedMemoryIds");
            entities.add(entity);
        }

        // Deleted upstream while the migration runs: the live delete is on the topic before the export's older copy
        // of the memory, which must not bring it back.
        StoredMemory deletedUpstream = written.memories().get(5);
        try (MemoryEventPublisher live = new MemoryEventPublisher(KafkaSettings.of(stack.bootstrapServers()),
                new SchemaRegistryClient(stack.schemaRegistryUrl()), topic, "ingest")) {
            live.delete(deletedUpstream.id(), Instant.now()).get(30, TimeUnit.SECONDS);
        }

        // The stages, as services would run them, on this test's topic, into the mem0 layout.
        String sourceUri = "mem0-es:" + stack.elasticsearchUrl() + "/" + source;
        Cli.Result exported = run(stack, "export", "--source", sourceUri, "--topic", topic);
        // (The memory deleted upstream is not published again: the topic holds its newer delete.)
        // Nothing was interrupted: the one not published is said to be there already, not "resumed".
        assertThat(exported.out()).contains("Exported " + (written.memories().size() + python.size() - 1)
                        + " new or changed memories to topic " + topic + " (1 other was on it already, at its"
                        + " version or a newer one)")
                .doesNotContain("Resumed an interrupted export")
                .contains("Exported " + entities.size() + " entities of Mem0's entity store");
        run(stack, "reembed", "--model", MODEL_B, "--input-topic", topic, "--until-caught-up");
        Cli.Result imported = run(stack, "import", "--model", MODEL_B, "--topic", Topics.embeddedTopicName(topic, MODEL_B, 1),
                "--index", index, "--layout", "mem0", "--until-caught-up");
        assertThat(imported.out()).contains("Entities into " + index + "_entities: indexed " + entities.size());

        // verify checks both stores: every entity there, unchanged, its vector model B's.
        JsonNode verified = Mem0App.JSON.readTree(run(stack, "verify", "--source", sourceUri, "--index", index,
                "--compare-index", source, "--json").out());
        assertThat(verified.get("passed").asBoolean()).as(verified.toString()).isTrue();
        assertThat(verified.get("deletedSince")).extracting(JsonNode::asText).containsExactly(deletedUpstream.id());
        JsonNode entityCheck = verified.get("entities");
        assertThat(entityCheck.get("index").asText()).isEqualTo(index + "_entities");
        assertThat(entityCheck.get("source").asLong()).isEqualTo(entities.size());
        assertThat(entityCheck.get("target").asLong()).isEqualTo(entities.size());
        assertThat(entityCheck.get("checksumEqual").asBoolean()).isTrue();
        assertThat(entityCheck.at("/vectors/failed").asInt()).isZero();
        assertThat(entityCheck.at("/vectors/sampled").asInt()).isEqualTo(Math.min(50, entities.size()));

        // Byte for byte where Mem0 reads it, whichever library wrote it, memories and entities alike.
        for (StoredMemory memory : written.memories()) {
            if (memory != deletedUpstream) {
                assertThat(rawMetadata(stack, index, memory.id())).as(memory.id()).isEqualTo(rawMetadata(stack, source, memory.id()));
            }
        }
        for (StoredMemory memory : python) {
            assertThat(rawMetadata(stack, index, memory.id())).as(memory.id()).isEqualTo(rawMetadata(stack, source, memory.id()))
                    .contains("\"weight\":0.50,").contains("caf\\u00e9");
        }
        List<String> entityIds = new ArrayList<>(pythonEntityIds);
        written.entities().forEach(entity -> entityIds.add(entity.get("id").asText()));
        for (String id : entityIds) {
            assertThat(rawMetadata(stack, index + "_entities", id)).as("entity " + id)
                    .isEqualTo(rawMetadata(stack, source + "_entities", id));
        }
        assertThat(rawMetadata(stack, index + "_entities", pythonEntityIds.get(1))).contains("\"linked_memory_ids\":[")
                .contains("\"confidence\":0.950").contains("Caf\\u00e9 Nicola");
        assertThat(rawMetadata(stack, index + "_entities", written.entities().get(0).get("id").asText()))
                .contains("\"linkedMemoryIds\":[").contains("\"entityType\":");
        assertThat(count(stack, index + "_entities")).isEqualTo(count(stack, source + "_entities")).isEqualTo(entities.size());
        assertThat(IndexContents.documentStatus(stack, index, deletedUpstream.id())).isEqualTo(404);

        // One atomic call points the alias and its entity store alias.
        Cli.Result cutover = run(stack, "cutover", "--alias", alias, "--index", index);
        assertThat(cutover.out()).contains("Alias " + alias + ": (none) -> " + index);
        JsonNode aliases = Mem0App.JSON.readTree(get(stack, "/_alias/" + alias + "," + alias + "_entities"));
        assertThat(aliases.path(index).path("aliases").has(alias)).as(aliases.toString()).isTrue();
        assertThat(aliases.path(index + "_entities").path("aliases").has(alias + "_entities")).as(aliases.toString()).isTrue();

        List<StoredMemory> kept = new ArrayList<>(written.memories());
        kept.remove(deletedUpstream);
        kept.addAll(python);
        Mem0App.Report report;
        try (ServeInProcess serveB = new ServeInProcess(MODEL_B)) {
            Mem0App appB = new Mem0App(stack.elasticsearchUrl(), alias, serveB.baseUrl(), "model-b", serveB.dims(), work);
            report = appB.check(Mem0App.Check.of(kept)
                            .absent(List.of(deletedUpstream.id()))
                            .entities(entities)
                            .mutate(kept.get(1), "Prefers jasmine tea over coffee, with honey", kept.get(2), "bob",
                                    "Bob started learning the Sicilian Defence from a coach in Montreal"))
                    .assertGetVerbatim()
                    .assertEachFoundFirstByItsOwnText()
                    .assertGetAllPerUserIsExactly()
                    .assertAbsent()
                    .assertEntitiesPresentAndSearchable()
                    .assertMutationsWork();
        }
        // Mem0's own entity writes (its add links the new memory's entities) went through the entity store's alias.
        String added = report.json().at("/mutations/add/id").asText();
        IndexContents.refresh(stack, index + "_entities");
        JsonNode linked = Mem0App.JSON.readTree(post(stack, "/" + alias + "_entities/_search",
                "{\"query\":{\"term\":{\"metadata.linkedMemoryIds.keyword\":\"" + added + "\"}}}"));
        assertThat(linked.at("/hits/total/value").asInt()).as("entities linked to the memory Mem0 added: " + linked)
                .isPositive();
    }

    private Cli.Result run(StackEndpoints stack, String command, String... args) {
        return Cli.succeeds(stack, dataDir, command, args);
    }

    /** A bulk line pair writing a document as Mem0's Python library does: a vector of the store's dims, the payload. */
    private static String document(String index, String id, int dims, String payload) {
        StringBuilder vector = new StringBuilder();
        for (int i = 0; i < dims; i++) {
            vector.append(i == 0 ? "" : ",").append(0.01 + (id.hashCode() + i) % 7 * 0.01);
        }
        return "{\"index\":{\"_index\":\"" + index + "\",\"_id\":\"" + id + "\"}}\n{\"vector\":[" + vector
                + "],\"metadata\":" + payload + "}\n";
    }

    private static long count(StackEndpoints stack, String index) throws Exception {
        IndexContents.refresh(stack, index);
        return Mem0App.JSON.readTree(get(stack, "/" + index + "/_count")).get("count").asLong();
    }

    private static String get(StackEndpoints stack, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(stack.elasticsearchUrl() + path)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    private static String post(StackEndpoints stack, String path, String json) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(stack.elasticsearchUrl() + path))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }
}
