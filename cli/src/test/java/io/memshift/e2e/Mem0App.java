package io.memshift.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A real Mem0 app in a test: {@code node cli/src/test/mem0/mem0-app.mjs}, Mem0's own TypeScript SDK (npm
 * {@code mem0ai}, pinned by the folder's package-lock.json) with its Elasticsearch store, its {@code openai} embedder
 * pointed at {@code memshift serve}. One instance is one app configuration (store URL, collection or alias,
 * embedder); each call runs the script once and parses its JSON answer.
 *
 * <p>Needs Node 20+ and {@code npm ci --prefix cli/src/test/mem0}; without them the calling test is skipped (a JUnit
 * assumption), saying so.
 */
final class Mem0App {

    /** Exact decimals, so that metadata such as 0.750 compares as written. */
    static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
    private static final long TIMEOUT_SECONDS = 600;

    private final String elasticsearchUrl;
    private final String collection;
    private final String embedderBaseUrl;
    private final String embedderModel;
    private final int dims;
    private final Path workDir;

    /** A memory for Mem0 to add ({@code infer: false}), its entities linked as Mem0's inferring add would. */
    record NewMemory(String userId, String text, Map<String, Object> metadata, boolean linkEntities) {
    }

    /** A memory as Mem0 stored it: the id Mem0 assigned. */
    record StoredMemory(String id, String userId, String text, Map<String, Object> metadata) {
    }

    /**
     * What Mem0 wrote: the memories with their ids, ids Mem0 reported but cannot read back (its bulk writes ignore
     * item errors), and the entity records of the scopes whose entities were linked.
     */
    record Written(List<StoredMemory> memories, List<String> lost, List<JsonNode> entities) {
    }

    /**
     * @param collection      the collection name Mem0 is configured with (an index or an alias)
     * @param embedderBaseUrl {@code http://127.0.0.1:<port>/v1} of {@code memshift serve}
     * @param embedderModel   the model name Mem0 sends (serve accepts any)
     */
    Mem0App(String elasticsearchUrl, String collection, String embedderBaseUrl, String embedderModel, int dims,
            Path workDir) {
        this.elasticsearchUrl = elasticsearchUrl;
        this.collection = collection;
        this.embedderBaseUrl = embedderBaseUrl;
        this.embedderModel = embedderModel;
        this.dims = dims;
        this.workDir = workDir;
    }

    /** The harness folder, {@code cli/src/test/mem0}; skips the test if its packages are not installed. */
    static Path harness() {
        Path dir = Path.of(System.getProperty("basedir", "."), "src", "test", "mem0").toAbsolutePath().normalize();
        Assumptions.assumeTrue(Files.isDirectory(dir.resolve("node_modules/mem0ai"))
                        && Files.isDirectory(dir.resolve("node_modules/es8")),
                "Mem0's client is not installed: run `npm ci --prefix cli/src/test/mem0` (Node 20+) to run this test");
        try {
            Process node = new ProcessBuilder("node", "--version").redirectErrorStream(true).start();
            String version = new String(node.getInputStream().readAllBytes()).trim();
            Assumptions.assumeTrue(node.waitFor(30, TimeUnit.SECONDS) && node.exitValue() == 0,
                    "`node --version` failed: Node 20+ is needed to run Mem0's client");
            int major = Integer.parseInt(version.replaceFirst("^v(\\d+).*$", "$1"));
            Assumptions.assumeTrue(major >= 20, "Mem0's client needs Node 20+, found " + version);
        } catch (IOException e) {
            Assumptions.abort("no `node` on the PATH: Node 20+ is needed to run Mem0's client (" + e.getMessage() + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            Assumptions.abort("interrupted");
        }
        return dir;
    }

    /** Mem0 adds the memories, one by one, and links entities where asked. */
    Written write(List<NewMemory> memories) {
        ObjectNode request = base();
        ArrayNode items = request.putArray("memories");
        for (NewMemory memory : memories) {
            ObjectNode item = items.addObject().put("userId", memory.userId()).put("text", memory.text())
                    .put("linkEntities", memory.linkEntities());
            if (memory.metadata() != null) {
                item.set("metadata", JSON.valueToTree(memory.metadata()));
            }
        }
        JsonNode answer = run("write", request);
        List<StoredMemory> stored = new ArrayList<>();
        for (int i = 0; i < memories.size(); i++) {
            NewMemory memory = memories.get(i);
            stored.add(new StoredMemory(answer.get("ids").get(i).asText(), memory.userId(), memory.text(), memory.metadata()));
        }
        List<String> lost = new ArrayList<>();
        answer.get("lost").forEach(id -> lost.add(id.asText()));
        List<JsonNode> entities = new ArrayList<>();
        answer.get("entities").forEach(entities::add);
        return new Written(stored, lost, entities);
    }

    /** What to read back through Mem0, and what Mem0 should then write; see {@link #check(Check)}. */
    static final class Check {
        final List<StoredMemory> memories;
        final List<String> absent = new ArrayList<>();
        final List<JsonNode> entities = new ArrayList<>();
        ObjectNode mutate;

        private Check(List<StoredMemory> memories) {
            this.memories = memories;
        }

        /** Every memory: {@code get} verbatim, found first by its own text; {@code getAll} of each user is exactly these. */
        static Check of(List<StoredMemory> memories) {
            return new Check(List.copyOf(memories));
        }

        /** Ids that must be {@code null} to {@code get} and in no {@code getAll}. */
        Check absent(List<String> ids) {
            absent.addAll(ids);
            return this;
        }

        /** Entity records (as {@link Written#entities()} lists them) that must be in the entity store, found by their text. */
        Check entities(List<JsonNode> records) {
            entities.addAll(records);
            return this;
        }

        /**
         * After reading: Mem0 updates {@code update}'s text, deletes {@code delete}, and adds {@code newText} for
         * {@code newTextUser} (entities linked), each read back.
         */
        Check mutate(StoredMemory update, String updatedText, StoredMemory delete, String newTextUser, String newText) {
            mutate = JSON.createObjectNode();
            mutate.putObject("update").put("id", update.id()).put("userId", update.userId()).put("text", updatedText);
            mutate.putObject("delete").put("id", delete.id()).put("userId", delete.userId());
            mutate.putObject("add").put("userId", newTextUser).put("text", newText).put("linkEntities", true);
            return this;
        }
    }

    /** Mem0's answers to a {@link Check}; the assertions say what Mem0 got wrong, memory by memory. */
    record Report(Check check, JsonNode json) {

        /** {@code get} returns every memory with its text (and metadata) as written. */
        Report assertGetVerbatim() {
            for (int i = 0; i < check.memories.size(); i++) {
                StoredMemory memory = check.memories.get(i);
                JsonNode got = json.get("get").get(i);
                assertThat(got.get("found").asBoolean()).as("Mem0 get(%s) found it", memory.id()).isTrue();
                assertThat(got.get("memory").asText()).as("Mem0 get(%s).memory", memory.id()).isEqualTo(memory.text());
                assertThat(got.at("/item/user_id").asText()).as("Mem0 get(%s).user_id", memory.id()).isEqualTo(memory.userId());
                if (memory.metadata() != null) {
                    assertThat(got.at("/item/metadata")).as("Mem0 get(%s).metadata", memory.id())
                            .isEqualTo(JSON.valueToTree(memory.metadata()));
                }
            }
            return this;
        }

        /** {@code search} with a memory's own text (in its user's scope) ranks that memory first. */
        Report assertEachFoundFirstByItsOwnText() {
            List<String> misses = new ArrayList<>();
            for (int i = 0; i < check.memories.size(); i++) {
                JsonNode search = json.get("search").get(i);
                if (!search.get("rank1").asBoolean()) {
                    misses.add(check.memories.get(i).id() + " \"" + check.memories.get(i).text() + "\" -> " + search.get("top"));
                }
            }
            assertThat(misses).as("memories Mem0's search did not rank first for their own text").isEmpty();
            return this;
        }

        /** {@code getAll} of each user holds exactly that user's memories, with their texts. */
        Report assertGetAllPerUserIsExactly() {
            Map<String, Map<String, String>> expected = new TreeMap<>();
            check.memories.forEach(m -> expected.computeIfAbsent(m.userId(), u -> new TreeMap<>()).put(m.id(), m.text()));
            Map<String, Map<String, String>> actual = new TreeMap<>();
            for (JsonNode scope : json.get("getAll")) {
                Map<String, String> memories = new TreeMap<>();
                scope.get("memories").forEach(m -> memories.put(m.get("id").asText(), m.get("memory").asText()));
                actual.put(scope.at("/filters/user_id").asText(), memories);
            }
            assertThat(actual).as("Mem0 getAll per user").isEqualTo(expected);
            return this;
        }

        /** Every absent id is {@code null} to {@code get} and listed by no {@code getAll}. */
        Report assertAbsent() {
            assertThat(json.get("absent")).hasSize(check.absent.size());
            for (JsonNode absent : json.get("absent")) {
                assertThat(absent.get("get").isNull()).as("Mem0 get(%s) of a deleted memory: %s", absent.get("id"),
                        absent.get("get")).isTrue();
                assertThat(absent.get("inGetAll").asBoolean()).as("deleted memory %s listed by getAll", absent.get("id")).isFalse();
            }
            return this;
        }

        /** Every entity is in the entity store with its links, and is its own nearest entity. */
        Report assertEntitiesPresentAndSearchable() {
            assertThat(json.get("entities")).hasSize(check.entities.size());
            for (int i = 0; i < check.entities.size(); i++) {
                JsonNode expected = check.entities.get(i);
                JsonNode got = json.get("entities").get(i);
                String data = expected.get("data").asText();
                assertThat(got.get("present").asBoolean()).as("entity '%s' in the entity store", data).isTrue();
                assertThat(got.get("linkedMemoryIds")).as("links of entity '%s'", data).isEqualTo(expected.get("linkedMemoryIds"));
                assertThat(got.get("entityType")).as("type of entity '%s'", data).isEqualTo(expected.get("entityType"));
                assertThat(got.get("searchTop").asText()).as("nearest entity to '%s'", data).isEqualTo(data);
            }
            return this;
        }

        /** Mem0's update, delete and add went through and read back. */
        Report assertMutationsWork() {
            JsonNode mutations = json.get("mutations");
            assertThat(mutations).as("the check asked for mutations").isNotNull();
            JsonNode update = mutations.get("update");
            String updatedText = check.mutate.at("/update/text").asText();
            assertThat(update.get("memory").asText()).as("get after Mem0's update").isEqualTo(updatedText);
            assertThat(update.at("/searchTop/0/id").asText()).as("search for the updated text: " + update.get("searchTop"))
                    .isEqualTo(update.get("id").asText());
            JsonNode delete = mutations.get("delete");
            assertThat(delete.get("get").isNull()).as("get after Mem0's delete: " + delete.get("get")).isTrue();
            assertThat(delete.get("inGetAll").asBoolean()).as("getAll after Mem0's delete").isFalse();
            JsonNode add = mutations.get("add");
            String newText = check.mutate.at("/add/text").asText();
            assertThat(add.get("memory").asText()).as("get of the memory Mem0 added (Mem0 ignores failed bulk items)")
                    .isEqualTo(newText);
            assertThat(add.get("inGetAll").asBoolean()).as("getAll lists the memory Mem0 added").isTrue();
            assertThat(add.at("/searchTop/0/id").asText()).as("search for the added text: " + add.get("searchTop"))
                    .isEqualTo(add.get("id").asText());
            return this;
        }
    }

    /** Reads the memories back through Mem0's API, then performs the check's mutations, if any. */
    Report check(Check check) {
        ObjectNode request = base();
        ArrayNode memories = request.putArray("memories");
        check.memories.forEach(m -> memories.addObject().put("id", m.id()).put("userId", m.userId()).put("text", m.text()));
        ArrayNode absent = request.putArray("absent");
        check.absent.forEach(absent::add);
        ArrayNode entities = request.putArray("entities");
        for (JsonNode entity : check.entities) {
            ObjectNode item = entities.addObject().put("data", entity.get("data").asText());
            for (String scope : new String[] {"user_id", "agent_id", "run_id"}) {
                if (entity.hasNonNull(scope)) {
                    item.put(scope, entity.get(scope).asText());
                }
            }
        }
        if (check.mutate != null) {
            request.set("mutate", check.mutate);
        }
        return new Report(check, run("check", request));
    }

    private ObjectNode base() {
        ObjectNode request = JSON.createObjectNode().put("elasticsearch", elasticsearchUrl).put("collection", collection);
        request.putObject("embedder").put("baseURL", embedderBaseUrl).put("model", embedderModel).put("dims", dims);
        return request;
    }

    private JsonNode run(String command, ObjectNode request) {
        Path harness = harness();
        try {
            Path requestFile = Files.createTempFile(workDir, "mem0-" + command + "-", ".json");
            Files.writeString(requestFile, JSON.writeValueAsString(request));
            Path mem0Dir = Files.createDirectories(workDir.resolve("mem0-home"));
            ProcessBuilder builder = new ProcessBuilder("node", harness.resolve("mem0-app.mjs").toString(), command,
                    requestFile.toString()).directory(harness.toFile());
            // No telemetry (no network here), and Mem0's per-user files in the test's folder, not in ~/.mem0.
            builder.environment().put("MEM0_TELEMETRY", "false");
            builder.environment().put("MEM0_DIR", mem0Dir.toString());
            Process node = builder.start();
            CompletableFuture<String> stderr = CompletableFuture.supplyAsync(() -> readAll(node.getErrorStream()));
            String stdout = readAll(node.getInputStream());
            if (!node.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                node.destroyForcibly();
                fail("Mem0 app '" + command + "' did not finish within " + TIMEOUT_SECONDS + " s; stderr:\n" + tail(stderr.join()));
            }
            JsonNode answer;
            try {
                answer = JSON.readTree(stdout);
            } catch (IOException e) {
                throw new AssertionError("Mem0 app '" + command + "' printed no JSON (exit " + node.exitValue() + "): "
                        + stdout + "\nstderr:\n" + tail(stderr.join()), e);
            }
            if (node.exitValue() != 0 || answer == null || answer.has("error")) {
                fail("Mem0 app '" + command + "' failed (exit " + node.exitValue() + "): "
                        + (answer == null ? stdout : answer.path("stack").asText(answer.path("error").asText()))
                        + "\nstderr:\n" + tail(stderr.join()));
            }
            return answer;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run the Mem0 app", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the Mem0 app ran", e);
        }
    }

    private static String readAll(java.io.InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(unreadable: " + e.getMessage() + ")";
        }
    }

    private static String tail(String text) {
        return text.length() <= 4000 ? text : "..." + text.substring(text.length() - 4000);
    }

    /** Metadata for {@link NewMemory}, keys in order. */
    static Map<String, Object> metadata(Object... keysAndValues) {
        Map<String, Object> metadata = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            metadata.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return metadata;
    }
}
