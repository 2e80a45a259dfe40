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
 * Reads every document of an index, in pages sorted by {@code memory_id} ({@code search_after}, so there is no
 * 10,000-hit window). Hits are parsed with exact decimals, so metadata compares exactly as it was written.
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
     * @param excludes source fields to leave out (e.g. {@code embedding}, which is large)
     */
    public void scan(String index, List<String> excludes, Consumer<ObjectNode> sink) {
        JsonNode after = null;
        while (true) {
            ObjectNode body = Json.MAPPER.createObjectNode();
            body.put("size", PAGE).put("version", true);
            body.putArray("sort").addObject().put("memory_id", "asc");
            body.putObject("_source").set("excludes", Json.MAPPER.valueToTree(excludes));
            if (after != null) {
                body.set("search_after", after);
            }
            JsonNode hits = post("/" + index + "/_search", body).path("hits").path("hits");
            if (hits.isEmpty()) {
                return;
            }
            for (JsonNode hit : hits) {
                sink.accept((ObjectNode) hit);
                after = hit.get("sort");
            }
        }
    }

    private JsonNode post(String path, JsonNode body) {
        Request request = new Request("POST", path);
        request.setJsonEntity(body.toString());
        try {
            Response response = rest.performRequest(request);
            return Json.MAPPER.readTree(response.getEntity().getContent());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read index " + path + ": " + e.getMessage(), e);
        }
    }
}
