package io.memshift.importer;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.memshift.clients.ElasticsearchClients;
import io.memshift.schemas.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.function.Consumer;
import org.elasticsearch.client.Request;
import org.elasticsearch.client.Response;
import org.elasticsearch.client.RestClient;

/**
 * Reads every document of an index, whatever its layout, in pages of a point in time sorted by {@code _shard_doc}
 * ({@code search_after}, so there is no 10,000-hit window, and a consistent snapshot while others write), after a
 * refresh. Hits are parsed with exact decimals ({@link Json#MAPPER}).
 */
public final class IndexScanner {

    private static final int PAGE = 1000;

    private final RestClient rest;

    public IndexScanner(ElasticsearchClient es) {
        this.rest = ElasticsearchClients.lowLevel(es);
    }

    /**
     * Calls {@code sink} with each hit ({@code _id}, {@code _version}, {@code _source}).
     *
     * @param excludes source fields to leave out (e.g. the vector, which is large)
     */
    public void scan(String index, List<String> excludes, Consumer<ObjectNode> sink) {
        // A point in time sees what was refreshed when it opened; a shard idle for searches is refreshed only
        // when searched. So refresh first: the scan sees every write acknowledged before it.
        send(index, "POST", "/" + index + "/_refresh", null);
        String pit = send(index, "POST", "/" + index + "/_pit?keep_alive=5m", null).path("id").asText();
        try {
            JsonNode after = null;
            while (true) {
                ObjectNode body = Json.MAPPER.createObjectNode();
                body.put("size", PAGE).put("version", true);
                body.putObject("pit").put("id", pit).put("keep_alive", "5m");
                body.putArray("sort").addObject().put("_shard_doc", "asc");
                body.putObject("_source").set("excludes", Json.MAPPER.valueToTree(excludes));
                if (after != null) {
                    body.set("search_after", after);
                }
                JsonNode response = send(index, "POST", "/_search", body);
                pit = response.path("pit_id").asText(pit);
                JsonNode hits = response.path("hits").path("hits");
                if (hits.isEmpty()) {
                    return;
                }
                for (JsonNode hit : hits) {
                    sink.accept((ObjectNode) hit);
                    after = hit.get("sort");
                }
            }
        } finally {
            try {
                send(index, "DELETE", "/_pit", Json.MAPPER.createObjectNode().put("id", pit));
            } catch (UncheckedIOException ignored) {
                // a point in time left open expires by itself after keep_alive
            }
        }
    }

    private JsonNode send(String index, String method, String path, JsonNode body) {
        Request request = new Request(method, path);
        if (body != null) {
            request.setJsonEntity(body.toString());
        }
        try {
            Response response = rest.performRequest(request);
            return Json.MAPPER.readTree(response.getEntity().getContent());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read index " + index + " (" + method + " " + path + "): "
                    + e.getMessage(), e);
        }
    }
}
