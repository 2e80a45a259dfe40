package io.memshift.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.memshift.e2e.Mem0App.NewMemory;
import io.memshift.e2e.Mem0App.StoredMemory;
import io.memshift.embedded.EmbeddedStackExtension;
import io.memshift.embedded.StackEndpoints;
import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code migrate --follow} against a store a real Mem0 app (npm {@code mem0ai}, its Elasticsearch store, model A)
 * keeps changing: the migration runs as its own process; once it has cut over, the app updates, deletes and adds a
 * memory, and each change must be in the new index within 30 s of the moment the app began making it (the delays
 * are measured and printed), the entities Mem0 linked to the added memory too (Mem0 writes entities without
 * timestamps: they arrive by the periodic reconciliation, here every 5 s). Then a Mem0 app on model B, through the alias, reads every memory as the store now
 * holds it, never the deleted one; SIGTERM stops the follower cleanly, exit code 0.
 */
@ExtendWith(EmbeddedStackExtension.class)
class MigrateFollowTest {

    private static final String MODEL_A = "onnx:all-minilm-l6-v2";
    private static final String MODEL_B = "onnx:bge-small-en-v15";
    private static final Duration WITHIN = Duration.ofSeconds(30);
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path work;

    @TempDir
    Path dataDir;

    @Test
    void everyAddUpdateAndDeleteOfALiveMem0AppReachesTheNewIndexWithin30Seconds(StackEndpoints stack) throws Exception {
        Mem0App.harness();
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String store = "mem0_follow_" + suffix;
        String index = "mem0-follow-" + suffix + "-b";
        String alias = "mem0-follow-" + suffix;

        List<NewMemory> memories = new ArrayList<>();
        Mem0ServeTest.memories().stream().limit(12)
                .forEach(m -> memories.add(new NewMemory(m.userId(), m.text(), m.metadata(), false)));
        try (ServeInProcess serveA = new ServeInProcess(MODEL_A)) {
            Mem0App appA = new Mem0App(stack.elasticsearchUrl(), store, serveA.baseUrl(), "model-a", serveA.dims(), work);
            Mem0App.Written written = appA.write(memories);
            assertThat(written.lost()).isEmpty();

            Path log = work.resolve("follow.log");
            Process follower = startFollower(stack, store, index, alias, log);
            try {
                awaitLog(log, follower, "Alias " + alias + " now points to " + index, Duration.ofMinutes(4));
                assertThat(Files.readString(log)).contains("Caught up");

                // The live app changes its store while memshift follows it.
                StoredMemory updated = written.memories().get(1);
                StoredMemory deleted = written.memories().get(2);
                String updatedText = "Prefers jasmine tea over coffee, with honey";
                String newText = "Bob started learning the Sicilian Defence from a coach in Montreal";
                Instant began = Instant.now();
                Mem0App.Report report = appA.check(Mem0App.Check.of(List.of()).mutate(updated, updatedText, deleted,
                        "bob", newText)).assertMutationsWork();
                Instant made = Instant.now();
                String addedId = report.json().at("/mutations/add/id").asText();
                // Mem0 linked the entities of the added and the updated text in the store's entity store.
                List<String> linked = entityIdsLinking(stack, store + "_entities", addedId);
                assertThat(linked).as("entities Mem0 linked to the memory it added").isNotEmpty();

                Map<String, Predicate<JsonNode>> changes = new LinkedHashMap<>();
                changes.put("update " + updated.id(), doc -> doc != null
                        && updatedText.equals(doc.at("/_source/metadata/data").asText()));
                changes.put("delete " + deleted.id(), doc -> doc == null);
                changes.put("add " + addedId, doc -> doc != null && newText.equals(doc.at("/_source/metadata/data").asText()));
                Map<String, String> ids = Map.of("update " + updated.id(), updated.id(), "delete " + deleted.id(),
                        deleted.id(), "add " + addedId, addedId);
                String entitiesOfAdd = "entities of the add " + linked;
                Map<String, Duration> delays = new LinkedHashMap<>();
                Instant deadline = began.plus(WITHIN).plus(Duration.ofSeconds(30));
                while (delays.size() < changes.size() + 1 && Instant.now().isBefore(deadline)) {
                    for (Map.Entry<String, Predicate<JsonNode>> change : changes.entrySet()) {
                        if (!delays.containsKey(change.getKey())
                                && change.getValue().test(document(stack, index, ids.get(change.getKey())))) {
                            delays.put(change.getKey(), Duration.between(began, Instant.now()));
                        }
                    }
                    if (!delays.containsKey(entitiesOfAdd)
                            && entityIdsLinking(stack, index + "_entities", addedId).containsAll(linked)) {
                        delays.put(entitiesOfAdd, Duration.between(began, Instant.now()));
                    }
                    Thread.sleep(200);
                }
                System.out.printf("MigrateFollowTest: the Mem0 app took %d ms to make its three changes; in the new"
                        + " index after (from the start of the app's run): %s%n",
                        Duration.between(began, made).toMillis(), delays);
                assertThat(delays).as("changes found in the new index; the follower said:%n%s", Files.readString(log))
                        .hasSize(changes.size() + 1).containsKeys(changes.keySet().toArray(String[]::new));
                delays.forEach((change, delay) -> assertThat(delay).as(change).isLessThanOrEqualTo(WITHIN));

                // A Mem0 app on model B, through the alias, sees the store as it now is.
                List<StoredMemory> expected = new ArrayList<>();
                for (StoredMemory m : written.memories()) {
                    if (m == deleted) {
                        continue;
                    }
                    expected.add(m == updated ? new StoredMemory(m.id(), m.userId(), updatedText, null) : m);
                }
                expected.add(new StoredMemory(addedId, "bob", newText, null));
                try (ServeInProcess serveB = new ServeInProcess(MODEL_B)) {
                    Mem0App.Report check = new Mem0App(stack.elasticsearchUrl(), alias, serveB.baseUrl(), "model-b",
                            serveB.dims(), work)
                            .check(Mem0App.Check.of(expected).absent(List.of(deleted.id())));
                    check.assertGetVerbatim().assertGetAllPerUserIsExactly().assertAbsent();
                    // Mem0 boosts memories linked to entities near the query's: the two texts the app linked may
                    // outrank a memory's own text (as in the store on model A), so each is found in the top 3, and
                    // the linked two first.
                    for (int i = 0; i < expected.size(); i++) {
                        JsonNode search = check.json().get("search").get(i);
                        List<String> top = new ArrayList<>();
                        search.get("top").forEach(hit -> top.add(hit.get("id").asText()));
                        String id = expected.get(i).id();
                        assertThat(top).as("Mem0's search on model B for the text of %s: %s", id, search).contains(id);
                        if (id.equals(addedId) || id.equals(updated.id())) {
                            assertThat(search.get("rank1").asBoolean()).as("%s first: %s", id, search).isTrue();
                        }
                    }
                }
            } finally {
                follower.destroy(); // SIGTERM
                boolean ended = follower.waitFor(90, TimeUnit.SECONDS);
                if (!ended) {
                    follower.destroyForcibly();
                }
                assertThat(ended).as("the follower stopped on SIGTERM").isTrue();
            }
            String output = Files.readString(log);
            System.out.println("MigrateFollowTest: the follower printed:\n" + output.lines()
                    .filter(line -> !line.startsWith("SLF4J") && !line.contains(" INFO ") && !line.contains(" WARN "))
                    .collect(java.util.stream.Collectors.joining("\n")));
            assertThat(follower.exitValue()).as("exit code after SIGTERM; output:%n%s", output).isZero();
            assertThat(output).contains("Stopped following").contains("Lag: oldest unapplied change");
        }
    }

    private Process startFollower(StackEndpoints stack, String store, String index, String alias, Path log)
            throws Exception {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx768m",
                "-Dmemshift.home=" + System.getProperty("memshift.home"),
                "-Dmemshift.logdir=" + work.resolve("logs"),
                "-cp", System.getProperty("java.class.path"), "io.memshift.cli.Memshift",
                "migrate", "--source", "mem0-es:" + stack.elasticsearchUrl() + "/" + store, "--model", MODEL_B,
                "--index", index, "--alias", alias, "--follow", "--poll-interval", "1s", "--reconcile-interval", "5s",
                "--poll-overlap", "10s", "--lag-interval", "5s",
                "--bootstrap-servers", stack.bootstrapServers(), "--schema-registry", stack.schemaRegistryUrl(),
                "--es", stack.elasticsearchUrl(), "--data-dir", dataDir.toString()));
        return new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
    }

    private static void awaitLog(Path log, Process process, String line, Duration timeout) throws Exception {
        Instant deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline)) {
            String text = Files.exists(log) ? Files.readString(log) : "";
            if (text.contains(line)) {
                return;
            }
            assertThat(process.isAlive()).as("the follower ended early:%n%s", text).isTrue();
            Thread.sleep(500);
        }
        throw new AssertionError("no '" + line + "' within " + timeout.toSeconds() + " s:\n" + Files.readString(log));
    }

    /** The ids of the entities of an entity store (Mem0's layout) that link {@code memoryId}; none if no store. */
    private static List<String> entityIdsLinking(StackEndpoints stack, String entityIndex, String memoryId)
            throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(stack.elasticsearchUrl() + "/"
                + entityIndex + "/_search?size=1000&_source=metadata&ignore_unavailable=true")).build(),
                HttpResponse.BodyHandlers.ofString());
        List<String> ids = new ArrayList<>();
        if (response.statusCode() == 404) {
            return ids;
        }
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        for (JsonNode hit : Mem0App.JSON.readTree(response.body()).at("/hits/hits")) {
            JsonNode metadata = hit.at("/_source/metadata");
            JsonNode links = metadata.has("linkedMemoryIds") ? metadata.get("linkedMemoryIds") : metadata.path("linked_memory_ids");
            for (JsonNode link : links) {
                if (link.asText().equals(memoryId)) {
                    ids.add(hit.get("_id").asText());
                }
            }
        }
        return ids;
    }

    /** The document in the index, or null if there is none. */
    private static JsonNode document(StackEndpoints stack, String index, String id) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(stack.elasticsearchUrl() + "/"
                + index + "/_doc/" + id)).build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() == 404) {
            return null;
        }
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return Mem0App.JSON.readTree(response.body());
    }
}
