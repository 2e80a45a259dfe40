package io.memshift.clients;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * One page of an Elasticsearch search response, read as a stream, for readers that need each hit's {@code _source}
 * as it is stored: parsed into a tree, a decimal would be printed again through a double, and a vector decoded for
 * nothing. The reader of a source gets the parser on the source's start and the response's bytes, so it can cut
 * members out of the bytes as they are and skip the others undecoded.
 *
 * @param pitId the point in time the next page must ask for, or null if the response named none
 * @param hits  the page's hits, in order
 * @param <T>   what a {@link SourceReader} makes of a hit's source
 */
public record SearchPage<T>(String pitId, List<Hit<T>> hits) {

    private static final ObjectMapper SORT_VALUES = new ObjectMapper();

    /**
     * Reads one hit's {@code _source}: called with the parser on its {@code START_OBJECT}, it must return with the
     * parser on the matching {@code END_OBJECT}.
     */
    @FunctionalInterface
    public interface SourceReader<T> {
        T read(JsonParser parser, byte[] response) throws IOException;
    }

    /**
     * One hit.
     *
     * @param version its {@code _version}; -1 unless the search asked for versions
     * @param sort    its sort values, for {@code search_after}
     * @param source  what the reader made of its {@code _source}; null if the hit had none
     */
    public record Hit<T>(String id, long version, JsonNode sort, T source) {
    }

    /** The sort values of the page's last hit: where the next page starts; null for an empty page. */
    public JsonNode lastSort() {
        return hits.isEmpty() ? null : hits.get(hits.size() - 1).sort();
    }

    /** @throws UncheckedIOException if the response is not the JSON of a search response */
    public static <T> SearchPage<T> parse(byte[] response, SourceReader<T> sources) {
        try (JsonParser in = SORT_VALUES.getFactory().createParser(response)) {
            String pitId = null;
            List<Hit<T>> hits = new ArrayList<>();
            if (in.nextToken() != JsonToken.START_OBJECT) {
                throw new IOException("expected a JSON object, found " + in.currentToken());
            }
            while (in.nextToken() == JsonToken.FIELD_NAME) {
                String field = in.currentName();
                JsonToken value = in.nextToken();
                if (field.equals("pit_id") && value == JsonToken.VALUE_STRING) {
                    pitId = in.getText();
                } else if (field.equals("hits") && value == JsonToken.START_OBJECT) {
                    while (in.nextToken() == JsonToken.FIELD_NAME) {
                        String inner = in.currentName();
                        if (in.nextToken() == JsonToken.START_ARRAY && inner.equals("hits")) {
                            while (in.nextToken() == JsonToken.START_OBJECT) {
                                hits.add(hit(in, response, sources));
                            }
                        } else {
                            in.skipChildren();
                        }
                    }
                } else {
                    in.skipChildren();
                }
            }
            return new SearchPage<>(pitId, hits);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read a search response of Elasticsearch: " + e.getMessage(), e);
        }
    }

    private static <T> Hit<T> hit(JsonParser in, byte[] response, SourceReader<T> sources) throws IOException {
        String id = null;
        long version = -1;
        JsonNode sort = null;
        T source = null;
        while (in.nextToken() == JsonToken.FIELD_NAME) {
            String field = in.currentName();
            JsonToken value = in.nextToken();
            if (field.equals("_id")) {
                id = in.getText();
            } else if (field.equals("_version")) {
                version = in.getLongValue();
            } else if (field.equals("sort")) {
                sort = SORT_VALUES.readTree(in);
            } else if (field.equals("_source") && value == JsonToken.START_OBJECT) {
                source = sources.read(in, response);
            } else {
                in.skipChildren();
            }
        }
        return new Hit<>(id, version, sort, source);
    }
}
