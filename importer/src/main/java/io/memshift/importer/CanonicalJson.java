package io.memshift.importer;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import io.memshift.schemas.Json;

/**
 * A canonical form in which two JSON texts of the same value are equal. Elasticsearch re-encodes a source it
 * filters ({@code 1.50} as {@code 1.5}, {@code 1e21} as {@code 1.0E21}, escapes undone), so what is read back
 * through a filter is compared with what was written by value, in this form: exact decimals without their
 * trailing zeros, written plain, keys in the order given.
 */
public final class CanonicalJson {

    private static final ObjectMapper CANONICAL = new ObjectMapper()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .configure(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES, true)
            .enable(JsonGenerator.Feature.WRITE_BIGDECIMAL_AS_PLAIN);

    private CanonicalJson() {
    }

    /** The canonical text of a JSON text, or null for null. */
    public static String of(String json) {
        if (json == null) {
            return null;
        }
        try {
            return CANONICAL.writeValueAsString(CANONICAL.readTree(json));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** The canonical text of a parsed value, or null for a missing or null one. */
    public static String of(JsonNode node) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return null;
        }
        try {
            return of(Json.MAPPER.writeValueAsString(node));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree always serializes", e);
        }
    }
}
