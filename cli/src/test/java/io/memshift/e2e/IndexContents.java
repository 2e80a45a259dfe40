package io.memshift.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.memshift.embedded.StackEndpoints;
import io.memshift.importer.DeleteLedger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What an index (or alias) holds, read over Elasticsearch's REST API: live memories, and deleted ones (a
 * tombstone in the memshift layout, an entry of the index's delete ledger in the mem0 layout), by id.
 */
final class IndexContents {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private IndexContents() {
    }

    /** Every document of {@code index}, by id: its {@code _source} without the vector (of either layout). */
    static Map<String, JsonNode> documents(StackEndpoints stack, String index) throws Exception {
        return documents(stack, index, "{\"excludes\": [\"embedding\", \"vector\"]}");
    }

    /** Every document of {@code index}, by id: its whole {@code _source}, vector included. */
    static Map<String, JsonNode> documentsWithVectors(StackEndpoints stack, String index) throws Exception {
        return documents(stack, index, "true");
    }

    private static Map<String, JsonNode> documents(StackEndpoints stack, String index, String source) throws Exception {
        send(stack, "POST", "/" + index + "/_refresh", "");
        JsonNode hits = send(stack, "POST", "/" + index + "/_search",
                "{\"size\": 10000, \"_source\": " + source + ", \"query\": {\"match_all\": {}}}")
                .get("hits").get("hits");
        Map<String, JsonNode> docs = new TreeMap<>();
        hits.forEach(hit -> docs.put(hit.get("_id").asText(), hit.get("_source")));
        return docs;
    }

    /** The ids of the memories {@code index} holds that are not deleted. */
    static Set<String> liveIds(StackEndpoints stack, String index) throws Exception {
        Set<String> ids = new TreeSet<>();
        documents(stack, index).forEach((id, doc) -> {
            if (!doc.path("deleted").asBoolean(false)) {
                ids.add(id);
            }
        });
        return ids;
    }

    /**
     * The ids of the memories deleted in {@code index}, at their version: tombstones (the memshift layout) and the
     * entries of its delete ledger (the mem0 layout, which removes the document).
     */
    static Set<String> deletedIds(StackEndpoints stack, String index) throws Exception {
        Set<String> ids = new TreeSet<>();
        documents(stack, index).forEach((id, doc) -> {
            if (doc.path("deleted").asBoolean(false)) {
                ids.add(id);
            }
        });
        String ledger = DeleteLedger.indexFor(index);
        if (exists(stack, ledger)) {
            ids.addAll(documents(stack, ledger).keySet());
        }
        return ids;
    }

    /** The indices {@code alias} points to (empty if it does not exist). */
    static Set<String> aliasTargets(StackEndpoints stack, String alias) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(stack.elasticsearchUrl()
                + "/_alias/" + alias)).GET().build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() == 404) {
            return Set.of();
        }
        Set<String> indices = new TreeSet<>();
        JSON.readTree(response.body()).fieldNames().forEachRemaining(indices::add);
        return indices;
    }

    /** Removes {@code alias} from {@code index}, if it is on it. */
    static void removeAlias(StackEndpoints stack, String alias, String index) throws Exception {
        if (aliasTargets(stack, alias).contains(index)) {
            send(stack, "POST", "/_aliases", "{\"actions\": [{\"remove\": {\"index\": \"" + index
                    + "\", \"alias\": \"" + alias + "\"}}]}");
        }
    }

    static boolean exists(StackEndpoints stack, String index) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(stack.elasticsearchUrl() + "/" + index))
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
    }

    private static JsonNode send(StackEndpoints stack, String method, String path, String body) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(stack.elasticsearchUrl() + path))
                .header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(path + ": " + response.body()).isBetween(200, 299);
        return JSON.readTree(response.body());
    }
}
