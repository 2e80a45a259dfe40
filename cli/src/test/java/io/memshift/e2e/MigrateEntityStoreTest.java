package io.memshift.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.memshift.embedded.EmbeddedStackExtension;
import io.memshift.embedded.StackEndpoints;
import io.memshift.reembedder.StubEmbeddingModel;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code migrate} of a Mem0 store that has an entity store: completion is decided from the topics' offsets
 * ({@code LogArrival}), and entities travel the same topics as memories, so the run may only end once both are in,
 * the memories in the index and the entities in {@code <index>_entities}. A migrate that ended on the memories
 * alone would leave this test's entity count short, as the entities are exported after the memories.
 */
@ExtendWith(EmbeddedStackExtension.class)
class MigrateEntityStoreTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MEMORIES = 60;
    private static final int ENTITIES = 45;

    @TempDir
    Path dataDir;

    @Test
    void migrateEndsWithEveryMemoryAndEveryEntityInTheirIndices(StackEndpoints stack) throws Exception {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String source = "ent_migrate_src_" + suffix;
        String target = "ent-migrate-" + suffix;
        StringBuilder bulk = new StringBuilder();
        for (int i = 0; i < MEMORIES; i++) {
            bulk.append(doc(source, "m-" + i, "{\"data\":\"memory number " + i + " of the entity test\",\"user_id\":\"u"
                    + (i % 3) + "\",\"created_at\":\"2024-07-20T01:03:19Z\"}"));
        }
        for (int i = 0; i < ENTITIES; i++) {
            bulk.append(doc(source + "_entities", "e-" + i, "{\"data\":\"Entity " + i + "\",\"entity_type\":\"PLACE\","
                    + "\"linked_memory_ids\":[\"m-" + i + "\"],\"user_id\":\"u" + (i % 3) + "\"}"));
        }
        send(stack, "POST", "/_bulk?refresh=true", bulk.toString());

        Cli.Result result = Cli.migrate(stack, dataDir, "--source", "mem0-es:" + stack.elasticsearchUrl() + "/" + source,
                "--model", "stub:16", "--topic", "memories.migrate-entities-" + suffix, "--index", target,
                "--no-cutover");

        assertThat(result.exitCode()).as(result.out() + result.err()).isZero();
        assertThat(result.out()).contains("Exported " + ENTITIES + " entities of Mem0's entity store");
        // No refresh here: migrate refreshed both indices before it returned, as it does before a cutover.
        assertThat(count(stack, target)).isEqualTo(MEMORIES);
        assertThat(count(stack, target + "_entities")).isEqualTo(ENTITIES);
        JsonNode entity = JSON.readTree(send(stack, "GET", "/" + target + "_entities/_doc/e-7", ""));
        float[] stored = JSON.treeToValue(entity.path("_source").path("vector"), float[].class);
        assertThat(stored).containsExactly(StubEmbeddingModel.vectorOf("Entity 7", 16));
    }

    private static long count(StackEndpoints stack, String index) throws Exception {
        return JSON.readTree(send(stack, "GET", "/" + index + "/_count", "")).path("count").asLong();
    }

    private static String doc(String index, String id, String payload) {
        return "{\"index\":{\"_index\":\"" + index + "\",\"_id\":\"" + id + "\"}}\n{\"vector\":[0.1,0.2,0.3,0.4],\"metadata\":"
                + payload + "}\n";
    }

    private static String send(StackEndpoints stack, String method, String path, String body) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(stack.elasticsearchUrl() + path))
                .header("Content-Type", "application/x-ndjson")
                .method(method, body.isEmpty() ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isBetween(200, 299);
        assertThat(response.body()).doesNotContain("\"errors\":true");
        return response.body();
    }
}
