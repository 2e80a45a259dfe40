package io.memshift.e2e;

import static io.memshift.e2e.IndexContents.rawMetadata;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.memshift.clients.KafkaSettings;
import io.memshift.e2e.Mem0App.NewMemory;
import io.memshift.e2e.Mem0App.StoredMemory;
import io.memshift.embedded.EmbeddedStackExtension;
import io.memshift.embedded.StackEndpoints;
import io.memshift.exporter.MemoryEventPublisher;
import io.memshift.schemas.SchemaRegistryClient;
import io.memshift.schemas.Topics;
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
 * A Mem0 app that keeps its collection name, with the real Mem0 client (TypeScript SDK, its Elasticsearch store):
 * the app writes memories with model A; memshift moves its store to model B in the mem0 layout, stage by stage on
 * a topic of this test's own, while a memory is deleted upstream; the cutover gives the store's name to the new
 * index ({@code --take-over-index}); the app, now on model B with the same collection name, finds, lists and reads
 * every memory as it wrote it, never the deleted one, and its own updates, deletes and adds work. Payloads written
 * by Mem0's Python library (snake_case) and its TypeScript SDK (camelCase) arrive byte for byte; rollback gives the
 * name back to the old index's copy.
 */
@ExtendWith(EmbeddedStackExtension.class)
class Mem0TakeOverTest {

    private static final String MODEL_A = "onnx:all-minilm-l6-v2";
    private static final String MODEL_B = "onnx:bge-small-en-v15";

    @TempDir
    Path work;

    @TempDir
    Path dataDir;

    @Test
    void aMem0AppKeepsItsCollectionNameAndWorksOnTheNewModel(StackEndpoints stack) throws Exception {
        Mem0App.harness();
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String store = "mem0_takeover_" + suffix;
        String topic = "memories.takeover-" + suffix;
        String index = "mem0-takeover-" + suffix;

        // The app writes with model A (entities are not this test's subject).
        List<NewMemory> memories = new ArrayList<>();
        Mem0ServeTest.memories().forEach(m -> memories.add(new NewMemory(m.userId(), m.text(), m.metadata(), false)));
        Mem0App.Written written;
        try (ServeInProcess serveA = new ServeInProcess(MODEL_A)) {
            written = new Mem0App(stack.elasticsearchUrl(), store, serveA.baseUrl(), "model-a", serveA.dims(), work)
                    .write(memories);
        }
        assertThat(written.lost()).isEmpty();
        // Beside them, memories as Mem0's Python library stores them: snake_case, its client's compact JSON.
        List<String> pythonIds = List.of("py-" + suffix + "-1", "py-" + suffix + "-2");
        StringBuilder bulk = new StringBuilder();
        for (String id : pythonIds) {
            bulk.append("{\"index\":{\"_index\":\"").append(store).append("\",\"_id\":\"").append(id).append("\"}}\n")
                    .append("{\"vector\":[").append("0.05,".repeat(383)).append("0.05],\"metadata\":{\"source\":\"import\","
                            + "\"weight\":0.5,\"user_id\":\"py-user\",\"role\":\"user\",\"data\":\"Python memory ").append(id)
                    .append(" caf\\u00e9\",\"hash\":\"5d41\",\"created_at\":\"2024-07-20T01:03:19.545405-07:00\","
                            + "\"updated_at\":\"2024-07-21T01:03:19.545405-07:00\",\"text_lemmatized\":\"python memory\"}}\n");
        }
        IndexContents.bulk(stack, bulk.toString());

        // Deleted upstream while the migration runs: the live delete is on the topic before the export's older copy.
        StoredMemory deleted = written.memories().get(5);
        try (MemoryEventPublisher live = new MemoryEventPublisher(KafkaSettings.of(stack.bootstrapServers()),
                new SchemaRegistryClient(stack.schemaRegistryUrl()), topic, "ingest")) {
            live.delete(deleted.id(), Instant.now()).get(30, TimeUnit.SECONDS);
        }

        // The stages, as services would run them, on this test's topic; the index in the default (mem0) layout.
        String source = "mem0-es:" + stack.elasticsearchUrl() + "/" + store;
        run(stack, "export", "--source", source, "--topic", topic);
        run(stack, "reembed", "--model", MODEL_B, "--input-topic", topic, "--until-caught-up");
        run(stack, "import", "--model", MODEL_B, "--topic", Topics.embeddedTopicName(topic, MODEL_B, 1), "--index",
                index, "--until-caught-up");
        Cli.Result verified = run(stack, "verify", "--source", source, "--index", index, "--compare-index", store, "--json");
        JsonNode report = Mem0App.JSON.readTree(verified.out());
        assertThat(report.get("layout").asText()).isEqualTo("mem0");
        assertThat(report.get("deletedSince")).extracting(JsonNode::asText).containsExactly(deleted.id());

        // Byte for byte where Mem0 reads it, whichever library wrote it.
        List<String> ids = new ArrayList<>(pythonIds);
        written.memories().stream().filter(m -> m != deleted).forEach(m -> ids.add(m.id()));
        for (String id : ids) {
            assertThat(rawMetadata(stack, index, id)).as(id).isEqualTo(rawMetadata(stack, store, id));
        }
        assertThat(rawMetadata(stack, index, pythonIds.get(0))).contains("\"weight\":0.5,").contains("caf\\u00e9");
        assertThat(IndexContents.documentStatus(stack, index, deleted.id())).isEqualTo(404);

        // The cutover takes over the store's name: the app keeps its collection name.
        Cli.Result cutover = run(stack, "cutover", "--alias", store, "--index", index, "--take-over-index");
        assertThat(cutover.out()).contains("Alias " + store + ": index " + store + " (kept as " + store
                + "-before-memshift) -> " + index);

        List<StoredMemory> kept = new ArrayList<>(written.memories());
        kept.remove(deleted);
        try (ServeInProcess serveB = new ServeInProcess(MODEL_B)) {
            new Mem0App(stack.elasticsearchUrl(), store, serveB.baseUrl(), "model-b", serveB.dims(), work)
                    .check(Mem0App.Check.of(kept).absent(List.of(deleted.id()))
                            .mutate(kept.get(1), "Prefers jasmine tea over coffee, with honey", kept.get(2), "bob",
                                    "Bob started learning the Sicilian Defence from a coach in Montreal"))
                    .assertGetVerbatim()
                    .assertEachFoundFirstByItsOwnText()
                    .assertGetAllPerUserIsExactly()
                    .assertAbsent()
                    .assertMutationsWork();
        }

        // Rollback: the name goes back to the old index's copy, as it was (the app goes back to model A).
        Cli.Result rollback = run(stack, "rollback", "--alias", store);
        assertThat(rollback.out()).contains(index + " -> " + store + "-before-memshift (rolled back)");
        assertThat(rawMetadata(stack, store, kept.get(1).id())).isEqualTo(rawMetadata(stack, store + "-before-memshift",
                kept.get(1).id())).contains(kept.get(1).text());
    }

    private Cli.Result run(StackEndpoints stack, String command, String... args) {
        return Cli.succeeds(stack, dataDir, command, args);
    }
}
