package io.memshift.importer;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import io.memshift.schemas.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A JSON text from the source (a Mem0 payload, metadata) placed in a document as it came, and read back byte for
 * byte. In a JSON bulk it goes in as it is, and Elasticsearch keeps those bytes. In a SMILE bulk
 * ({@link BulkEncoding#SMILE}) it goes token by token, each number exactly as written ({@code 1.10} as the decimal
 * 1.10, not the nearest double), and Elasticsearch writes JSON from the tokens when asked: the same values, but the
 * same bytes only for a text that is already what that writer writes (compact, {@code 1.10} but not {@code 1e2},
 * {@code é} but not {@code &#92;u00e9}). {@link #survivesBinary()} tells; the writer sends the others in JSON. A text
 * spread over several lines cannot go into NDJSON as it is: it goes compact, its values unchanged.
 */
@JsonSerialize(using = VerbatimJson.Writer.class)
record VerbatimJson(String json) {

    /**
     * Whether Elasticsearch, storing this text's tokens from a SMILE bulk, gives back exactly this text: whether the
     * text is what Jackson's UTF-8 writer (Elasticsearch's) writes for the tokens, decimals written from their exact
     * value. A string holding a character outside the Basic Multilingual Plane (an emoji) never does: writers
     * differ on escaping it.
     */
    boolean survivesBinary() {
        ByteArrayOutputStream rewritten = new ByteArrayOutputStream(json.length() + 16);
        try (JsonGenerator out = PLAIN_JSON.createGenerator(rewritten)) {
            // What the SMILE writer sends, written back as JSON.
            if (!copyOneValue(json, out, true)) {
                return false;
            }
        } catch (IOException e) {
            return false;
        }
        return Arrays.equals(rewritten.toByteArray(), json.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Copies the text's one JSON value to {@code out} token by token, each number exactly as written (the exact copy
     * writes a decimal as a BigDecimal, where the plain one would round it). Returns false, partway, for a text
     * holding no value or more than one (SMILE would carry nothing, or the first value only), and, if
     * {@code refuseSurrogates}, for a string holding a surrogate.
     */
    private static boolean copyOneValue(String json, JsonGenerator out, boolean refuseSurrogates) throws IOException {
        try (JsonParser in = Json.MAPPER.getFactory().createParser(json)) {
            JsonToken token = in.nextToken();
            if (token == null) {
                return false;
            }
            int depth = 0;
            do {
                if (refuseSurrogates && (token == JsonToken.FIELD_NAME || token == JsonToken.VALUE_STRING)
                        && hasSurrogate(in.getText())) {
                    return false;
                }
                out.copyCurrentEventExact(in);
                depth += token.isStructStart() ? 1 : token.isStructEnd() ? -1 : 0;
            } while (depth > 0 && (token = in.nextToken()) != null);
            return in.nextToken() == null;
        }
    }

    /** A writer with Jackson's defaults, as Elasticsearch's: compact, decimals as {@code BigDecimal.toString()}. */
    private static final JsonFactory PLAIN_JSON = new JsonFactory();

    private static boolean hasSurrogate(String text) {
        for (int i = 0; i < text.length(); i++) {
            if (Character.isSurrogate(text.charAt(i))) {
                return true;
            }
        }
        return false;
    }

    static final class Writer extends StdSerializer<VerbatimJson> {
        Writer() {
            super(VerbatimJson.class);
        }

        @Override
        public void serialize(VerbatimJson value, JsonGenerator out, SerializerProvider provider) throws IOException {
            String json = value.json();
            // A line break (whitespace between tokens: JSON strings hold none) would end an NDJSON line: such a
            // text goes token by token, compact, its values unchanged.
            if (!BulkEncoding.isBinary(out) && json.indexOf('\n') < 0 && json.indexOf('\r') < 0) {
                out.writeRawValue(json);
                return;
            }
            if (!copyOneValue(json, out, false)) {
                // Said, not dropped: a second value would be lost, and an empty text would leave the field bare.
                throw new IllegalArgumentException("a source JSON holds no value or more than one");
            }
        }
    }
}
