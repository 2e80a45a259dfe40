package io.memshift.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.memshift.embedded.EmbeddedStackExtension;
import io.memshift.embedded.StackEndpoints;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * verify says when there is no previous index and compares with the right one when there is; it catches planted
 * defects; cutover refuses an index that failed verify; rollback goes back.
 */
@ExtendWith(EmbeddedStackExtension.class)
class VerifyCutoverTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path dataDir;

    @Test
    void verifyCatchesAWrongVectorAndAMissingMemoryAndCutoverThenRefuses(StackEndpoints stack) throws Exception {
        String sample = "mem0-json:" + Cli.sample();
        Cli.Result first = Cli.migrate(stack, dataDir, "--source", sample, "--model", "onnx:all-minilm-l6-v2-q",
                "--index", "verify-a", "--alias", "verify-alias");
        assertThat(first.exitCode()).as(first.out() + first.err()).isZero();
        // A first migration has nothing to compare retrieval with: said so, and not counted as a check passed,
        // whether the index is named or reached through its alias (which once compared the index with itself).
        for (String named : new String[] {"verify-a", "verify-alias"}) {
            Cli.Result firstVerify = verify(stack, named, "--alias", "verify-alias");
            assertThat(firstVerify.exitCode()).as(firstVerify.out() + firstVerify.err()).isZero();
            assertThat(firstVerify.out())
                    .contains("retrieval  no previous index to compare with (first migration): not checked")
                    .contains("PASSED, but not checked: retrieval")
                    .doesNotContain("overlap@");
        }
        JsonNode firstJson = JSON.readTree(verify(stack, "verify-alias", "--alias", "verify-alias", "--json").out());
        assertThat(firstJson.get("index").asText()).isEqualTo("verify-a");
        assertThat(firstJson.get("retrieval").isNull()).isTrue();
        assertThat(firstJson.get("skipped").get(0).get("check").asText()).isEqualTo("retrieval");
        Cli.Result second = Cli.migrate(stack, dataDir, "--source", sample, "--model", "onnx:all-minilm-l6-v2-q",
                "--index", "verify-b", "--no-cutover");
        assertThat(second.exitCode()).as(second.out() + second.err()).isZero();

        // Another model's vectors could never match: refused as a mistake, and nothing recorded on the index.
        Cli.Result otherModel = verify(stack, "verify-b", "--model", "onnx:bge-small-en-v15-q");
        assertThat(otherModel.exitCode()).as(otherModel.out() + otherModel.err()).isEqualTo(2);
        assertThat(otherModel.err()).contains("index verify-b was embedded by onnx:all-minilm-l6-v2-q, not"
                + " onnx:bge-small-en-v15-q");
        assertThat(otherModel.out()).doesNotContain("FAILED");

        Cli.Result clean = verify(stack, "verify-b", "--compare-index", "verify-a");
        assertThat(clean.exitCode()).as(clean.out() + clean.err()).isZero();
        assertThat(clean.out()).contains("PASSED").contains("overlap@10 with verify-a");

        // Plant two defects: one memory's vector replaced by noise (same version), one memory removed.
        JsonNode hits = post(stack, "/verify-b/_search", "{\"size\": 2, \"version\": true}").get("hits").get("hits");
        String badVector = hits.get(0).get("_id").asText();
        String removed = hits.get(1).get("_id").asText();
        ObjectNode doc = (ObjectNode) hits.get(0).get("_source");
        ArrayNode noise = doc.putArray("vector");
        Random random = new Random(7);
        for (int i = 0; i < 384; i++) {
            noise.add(random.nextGaussian());
        }
        put(stack, "/verify-b/_doc/" + badVector + "?version_type=external_gte&version=" + hits.get(0).get("_version").asLong(), doc.toString());
        delete(stack, "/verify-b/_doc/" + removed);
        post(stack, "/verify-b/_refresh", "");

        Cli.Result failed = verify(stack, "verify-b", "--sample", "540", "--json");
        assertThat(failed.exitCode()).isEqualTo(1);
        JsonNode report = JSON.readTree(failed.out());
        assertThat(report.get("passed").asBoolean()).isFalse();
        assertThat(report.get("missing")).extracting(JsonNode::asText).containsExactly(removed);
        assertThat(report.get("vectors").get("failedIds")).extracting(JsonNode::asText).containsExactly(badVector);

        Cli.Result refused = Cli.run("cutover", "--alias", "verify-alias", "--index", "verify-b", "--es", stack.elasticsearchUrl(),
                "--bootstrap-servers", stack.bootstrapServers(), "--schema-registry", stack.schemaRegistryUrl());
        assertThat(refused.exitCode()).isEqualTo(1);
        // Refused for the failed verify, not for a lagging importer.
        assertThat(refused.out()).contains("Refused: the last verify of verify-b").contains("failed");
        assertThat(aliasTargets(stack, "verify-alias")).isEqualTo("[\"verify-a\"]");

        Cli.Result forced = Cli.run("cutover", "--alias", "verify-alias", "--index", "verify-b", "--force", "--es", stack.elasticsearchUrl(),
                "--bootstrap-servers", stack.bootstrapServers(), "--schema-registry", stack.schemaRegistryUrl());
        assertThat(forced.exitCode()).as(forced.out() + forced.err()).isZero();
        assertThat(forced.out()).contains("verify-a -> verify-b (forced)");
        assertThat(aliasTargets(stack, "verify-alias")).isEqualTo("[\"verify-b\"]");
        // After the cutover, the previous index is the one the alias came from.
        Cli.Result afterCutover = verify(stack, "verify-b", "--alias", "verify-alias");
        assertThat(afterCutover.out()).contains("overlap@10 with verify-a");

        // The app adds a memory through the alias, as Mem0's Elasticsearch store does (a bulk index of vector and
        // metadata): the rollback still goes back, and says that memory stays behind in verify-b.
        ObjectNode added = JSON.createObjectNode();
        added.set("vector", noise);
        added.putObject("metadata").put("data", "Started learning the cello").put("user_id", "alice")
                .put("hash", "app-added").put("created_at", "2026-11-26T10:00:00-08:00");
        post(stack, "/_bulk?refresh=true", "{\"index\": {\"_index\": \"verify-alias\", \"_id\": \"app-added-1\"}}\n"
                + added + "\n");
        Cli.Result back = Cli.run("rollback", "--alias", "verify-alias", "--es", stack.elasticsearchUrl(),
                "--bootstrap-servers", stack.bootstrapServers(), "--schema-registry", stack.schemaRegistryUrl());
        assertThat(back.exitCode()).as(back.out() + back.err()).isZero();
        assertThat(back.out()).contains("verify-b -> verify-a (rolled back)")
                .contains("Warning: 1 memory in verify-b was added through alias verify-alias after the cutover")
                .contains("verify-a does not have it");
        assertThat(aliasTargets(stack, "verify-alias")).isEqualTo("[\"verify-a\"]");
    }

    private static Cli.Result verify(StackEndpoints stack, String index, String... more) {
        String[] base = {"verify", "--source", "mem0-json:" + Cli.sample(), "--index", index,
                "--es", stack.elasticsearchUrl(), "--bootstrap-servers", stack.bootstrapServers(),
                "--schema-registry", stack.schemaRegistryUrl()};
        String[] all = new String[base.length + more.length];
        System.arraycopy(base, 0, all, 0, base.length);
        System.arraycopy(more, 0, all, base.length, more.length);
        return Cli.run(all);
    }

    private static String aliasTargets(StackEndpoints stack, String alias) throws Exception {
        JsonNode aliases = send(HttpRequest.newBuilder(URI.create(stack.elasticsearchUrl() + "/_alias/" + alias)).GET().build());
        ArrayNode names = JSON.createArrayNode();
        aliases.fieldNames().forEachRemaining(names::add);
        return names.toString();
    }

    private static JsonNode post(StackEndpoints stack, String path, String body) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(stack.elasticsearchUrl() + path))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    private static JsonNode put(StackEndpoints stack, String path, String body) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(stack.elasticsearchUrl() + path))
                .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    private static JsonNode delete(StackEndpoints stack, String path) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(stack.elasticsearchUrl() + path)).DELETE().build());
    }

    private static JsonNode send(HttpRequest request) throws Exception {
        HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isBetween(200, 299);
        return response.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(response.body());
    }
}
