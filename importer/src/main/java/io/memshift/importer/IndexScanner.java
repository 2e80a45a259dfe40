package io.memshift.importer;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.memshift.clients.ElasticsearchClients;
import io.memshift.clients.SearchPage;
import io.memshift.schemas.Json;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.function.Consumer;
import org.apache.http.util.EntityUtils;
import org.elasticsearch.client.Request;
import org.elasticsearch.client.Response;
import org.elasticsearch.client.RestClient;

/**
 * Reads every document of an index, whatever its layout, in pages of a point in time sorted by {@code _shard_doc}
 * ({@code search_after}, so there is no 10,000-hit window, and a consistent snapshot while others write), after a
 * refresh. Each {@code _source} is asked for whole and read as Elasticsearch stored it: a source filter would have
 * it printed again, each decimal through a double ({@code 12345678901234567.89} as {@code 1.2345678901234568E16},
 * {@code 19.90} as {@code 19.9}). So the members left out (the vector, which is large) still travel, but are
 * skipped unread, and the others are cut from the response as they are ({@link VerbatimJson#valueAt}).
 */
public final class IndexScanner {

    private static final int PAGE = 1000;

    private final RestClient rest;

    public IndexScanner(ElasticsearchClient es) {
        this.rest = ElasticsearchClients.lowLevel(es);
    }

    /**
     * One stored document.
     *
     * @param id      its {@code _id}
     * @param version its {@code _version}
     * @param source  its {@code _source} as its exact JSON text, without the members left out
     */
    public record Hit(String id, long version, String source) {

        /** The source parsed (exact decimals, {@link Json#MAPPER}), for reading its fields. */
        public JsonNode parsed() {
            try {
                return Json.MAPPER.readTree(source);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("a source cut from a parsed response is JSON", e);
            }
        }
    }

    /**
     * Calls {@code sink} with each document.
     *
     * @param leftOut top-level source members not to read (e.g. the vector)
     */
    public void scan(String index, List<String> leftOut, Consumer<Hit> sink) {
        // A point in time sees what was refreshed when it opened; a shard idle for searches is refreshed only
        // when searched. So refresh first: the scan sees every write acknowledged before it.
        send(index, "POST", "/" + index + "/_refresh", null);
        String pit = parse(index, send(index, "POST", "/" + index + "/_pit?keep_alive=5m", null)).path("id").asText();
        try {
            JsonNode after = null;
            while (true) {
                ObjectNode body = Json.MAPPER.createObjectNode();
                body.put("size", PAGE).put("version", true);
                body.putObject("pit").put("id", pit).put("keep_alive", "5m");
                body.putArray("sort").addObject().put("_shard_doc", "asc");
                if (after != null) {
                    body.set("search_after", after);
                }
                SearchPage<String> page = SearchPage.parse(send(index, "POST", "/_search", body),
                        (in, response) -> source(in, response, leftOut));
                pit = page.pitId() == null ? pit : page.pitId();
                if (page.hits().isEmpty()) {
                    return;
                }
                page.hits().forEach(hit -> sink.accept(new Hit(hit.id(), hit.version(), hit.source())));
                after = page.lastSort();
            }
        } finally {
            try {
                send(index, "DELETE", "/_pit", Json.MAPPER.createObjectNode().put("id", pit));
            } catch (UncheckedIOException ignored) {
                // a point in time left open expires by itself after keep_alive
            }
        }
    }

    /** The source's members as stored, but those left out, as one JSON object. */
    private static String source(JsonParser in, byte[] response, List<String> leftOut) throws IOException {
        StringWriter text = new StringWriter();
        try (JsonGenerator out = Json.MAPPER.getFactory().createGenerator(text)) {
            out.writeStartObject();
            while (in.nextToken() == JsonToken.FIELD_NAME) {
                String member = in.currentName();
                in.nextToken();
                if (leftOut.contains(member)) {
                    in.skipChildren();
                } else {
                    out.writeFieldName(member);
                    out.writeRawValue(VerbatimJson.valueAt(in, response).json());
                }
            }
            out.writeEndObject();
        }
        return text.toString();
    }

    private static JsonNode parse(String index, byte[] answer) {
        try {
            return Json.MAPPER.readTree(answer);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read index " + index + ": Elasticsearch answered something that is"
                    + " not JSON: " + e.getMessage(), e);
        }
    }

    private byte[] send(String index, String method, String path, JsonNode body) {
        Request request = new Request(method, path);
        if (body != null) {
            request.setJsonEntity(body.toString());
        }
        try {
            Response response = rest.performRequest(request);
            return EntityUtils.toByteArray(response.getEntity());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read index " + index + " (" + method + " " + path + "): "
                    + e.getMessage(), e);
        }
    }
}
