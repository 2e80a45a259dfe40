package io.memshift.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
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
        refresh(stack, index);
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

    /** The indices whose names start with {@code prefix}. */
    static Set<String> indicesStartingWith(StackEndpoints stack, String prefix) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(stack.elasticsearchUrl()
                + "/_cat/indices/" + prefix + "*?h=index&expand_wildcards=all")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        Set<String> indices = new TreeSet<>();
        for (String line : response.body().split("\n")) {
            if (!line.isBlank()) {
                indices.add(line.trim());
            }
        }
        return indices;
    }

    /** Removes {@code alias} from {@code index}, if it is on it. */
    static void removeAlias(StackEndpoints stack, String alias, String index) throws Exception {
        if (aliasTargets(stack, alias).contains(index)) {
            send(stack, "POST", "/_aliases", "{\"actions\": [{\"remove\": {\"index\": \"" + index
                    + "\", \"alias\": \"" + alias + "\"}}]}");
        }
    }

    /**
     * {@code _source.metadata} of a document exactly as Elasticsearch stored it: the bytes, cut from a GET (a parsed
     * copy would hide what byte-for-byte tests compare: number forms, escapes, key order).
     */
    static String rawMetadata(StackEndpoints stack, String index, String id) throws Exception {
        String body = HTTP.send(HttpRequest.newBuilder(URI.create(stack.elasticsearchUrl() + "/" + index + "/_doc/" + id))
                .build(), HttpResponse.BodyHandlers.ofString()).body();
        try (JsonParser parser = JSON.getFactory().createParser(body)) {
            int depth = 0;
            boolean inSource = false;
            for (JsonToken token = parser.nextToken(); token != null; token = parser.nextToken()) {
                if (token == JsonToken.FIELD_NAME && depth == 1 && parser.currentName().equals("_source")) {
                    inSource = true;
                } else if (token == JsonToken.FIELD_NAME && depth == 2 && inSource && parser.currentName().equals("metadata")) {
                    parser.nextToken();
                    int start = (int) parser.currentTokenLocation().getCharOffset();
                    parser.skipChildren();
                    return body.substring(start, (int) parser.currentLocation().getCharOffset());
                } else if (token == JsonToken.START_OBJECT || token == JsonToken.START_ARRAY) {
                    depth++;
                } else if (token == JsonToken.END_OBJECT || token == JsonToken.END_ARRAY) {
                    depth--;
                }
            }
        }
        throw new AssertionError("no _source.metadata in " + index + "/" + id + ": " + body);
    }

    /** The HTTP status of a GET of document {@code id} in {@code index}: 200 if it is there, 404 if not. */
    static int documentStatus(StackEndpoints stack, String index, String id) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(stack.elasticsearchUrl() + "/" + index + "/_doc/" + id)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    /** Writes {@code ndjson} (bulk action and document lines) and refreshes; asserts that no item failed. */
    static void bulk(StackEndpoints stack, String ndjson) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(stack.elasticsearchUrl()
                        + "/_bulk?refresh=true")).header("Content-Type", "application/x-ndjson")
                .POST(HttpRequest.BodyPublishers.ofString(ndjson)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isBetween(200, 299);
        assertThat(response.body()).doesNotContain("\"errors\":true");
    }

    /** Makes what was written to {@code index} visible to searches and counts. */
    static void refresh(StackEndpoints stack, String index) throws Exception {
        send(stack, "POST", "/" + index + "/_refresh", "");
    }

    static boolean exists(StackEndpoints stack, String index) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(stack.elasticsearchUrl() + "/" + index))
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
    }

    static JsonNode send(StackEndpoints stack, String method, String path, String body) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(stack.elasticsearchUrl() + path))
                .header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(path + ": " + response.body()).isBetween(200, 299);
        return JSON.readTree(response.body());
    }
}
