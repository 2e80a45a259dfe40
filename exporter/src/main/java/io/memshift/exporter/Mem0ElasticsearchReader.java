package io.memshift.exporter;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.memshift.clients.ElasticsearchClients;
import io.memshift.schemas.Json;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.apache.http.util.EntityUtils;
import org.elasticsearch.client.Request;
import org.elasticsearch.client.Response;
import org.elasticsearch.client.ResponseException;
import org.elasticsearch.client.RestClient;

/**
 * Mem0's own Elasticsearch vector store, read whole with a point in time and {@code search_after} (so there is no
 * 10,000-hit window, and a consistent snapshot even while the app writes). Mem0's layout: {@code _id} is the
 * memory id; {@code _source} is {@code {vector, metadata}}, where {@code metadata} is the payload: {@code data}
 * (the text), {@code hash}, {@code created_at}, {@code updated_at}, the scope ids, and the memory's own metadata
 * keys alongside (read by {@link Mem0Payload}). The old vectors are not read: they belong to the old model.
 */
public final class Mem0ElasticsearchReader implements MemorySource {

    private static final int PAGE = 1000;

    private final String baseUrl;
    private final String index;

    /** @param url {@code http(s)://host:port/<index>} */
    public Mem0ElasticsearchReader(String url) {
        int slash = url.lastIndexOf('/');
        if (!url.startsWith("http://") && !url.startsWith("https://") || slash <= url.indexOf("//") + 1
                || slash == url.length() - 1) {
            throw new IllegalArgumentException("mem0-es source must look like http(s)://host:port/<index>, got '" + url + "'");
        }
        this.baseUrl = url.substring(0, slash);
        this.index = url.substring(slash + 1);
    }

    @Override
    public String kind() {
        return "mem0-es";
    }

    @Override
    public String identity() {
        return baseUrl + "/" + index;
    }

    @Override
    public String shortName() {
        return index;
    }

    @Override
    public Optional<Stamp> stamp() {
        return Optional.empty();
    }

    @Override
    public void forEach(Consumer<SourceMemory> sink) {
        try (ElasticsearchClient es = ElasticsearchClients.connect(baseUrl)) {
            read(ElasticsearchClients.lowLevel(es), sink);
        } catch (IOException e) {
            // closing the connections failed: everything was read
        }
    }

    private void read(RestClient rest, Consumer<SourceMemory> sink) {
        String pit = send(rest, "POST", "/" + index + "/_pit?keep_alive=5m", null).get("id").asText();
        try {
            JsonNode after = null;
            long n = 0;
            while (true) {
                ObjectNode body = Json.MAPPER.createObjectNode();
                body.put("size", PAGE);
                body.putObject("pit").put("id", pit).put("keep_alive", "5m");
                body.putArray("sort").addObject().put("_shard_doc", "asc");
                body.putObject("_source").putArray("excludes").add("vector");
                if (after != null) {
                    body.set("search_after", after);
                }
                JsonNode response = send(rest, "POST", "/_search", body);
                pit = response.path("pit_id").asText(pit);
                JsonNode hits = response.path("hits").path("hits");
                if (hits.isEmpty()) {
                    return;
                }
                for (JsonNode hit : hits) {
                    n++;
                    String id = hit.get("_id").asText();
                    ObjectNode memory = Mem0Payload.toMemory(id, hit.path("_source").path("metadata"));
                    sink.accept(new SourceMemory(memory, index + "#" + n + " (_id " + id + ")", null));
                    after = hit.get("sort");
                }
            }
        } finally {
            closePit(rest, pit);
        }
    }

    private void closePit(RestClient rest, String pit) {
        try {
            ObjectNode body = Json.MAPPER.createObjectNode().put("id", pit);
            send(rest, "DELETE", "/_pit", body);
        } catch (RuntimeException ignored) {
            // a point in time left open expires by itself after keep_alive
        }
    }

    /**
     * One call. A missing index is a wrong source (as a missing file is); any other failure to get a JSON answer
     * means the store cannot be read, and says nothing of its records.
     */
    private JsonNode send(RestClient rest, String method, String path, JsonNode body) {
        Request request = new Request(method, path);
        if (body != null) {
            request.setJsonEntity(body.toString());
        }
        try {
            Response response = rest.performRequest(request);
            return Json.MAPPER.readTree(response.getEntity().getContent());
        } catch (ResponseException e) {
            Response response = e.getResponse();
            if (response.getStatusLine().getStatusCode() == 404 && path.startsWith("/" + index + "/")) {
                throw new InvalidSourceException(identity(), List.of("Elasticsearch at " + baseUrl + " has no index '"
                        + index + "' (" + method + " " + path + " answered 404)"), 0);
            }
            throw new SourceUnavailableException(identity(), "Elasticsearch answered " + method + " " + path + " with "
                    + response.getStatusLine().getStatusCode() + ": " + abbreviate(body(response)), e);
        } catch (IOException e) {
            throw new SourceUnavailableException(identity(), "cannot reach Elasticsearch at " + baseUrl + ": " + e, e);
        }
    }

    private static String body(Response response) {
        try {
            return response.getEntity() == null ? "" : EntityUtils.toString(response.getEntity());
        } catch (IOException e) {
            return "(no body: " + e.getMessage() + ")";
        }
    }

    private static String abbreviate(String text) {
        return text.length() <= 300 ? text : text.substring(0, 300) + "...";
    }
}
