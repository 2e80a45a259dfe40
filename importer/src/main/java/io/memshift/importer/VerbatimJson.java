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
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A JSON text from the source (a Mem0 payload, metadata, an extra field) placed in a document as it came, and read
 * back byte for byte: the one place that copies source JSON, so every number keeps its spelling ({@code 19.90},
 * {@code 1E-7}, {@code 1e2}, {@code -0.0}, {@code 12345678901234567.89}); parsed and printed again, as a double or
 * even as a BigDecimal, it would not. In a JSON bulk it goes in as it is, and Elasticsearch keeps those bytes. In a
 * SMILE bulk ({@link BulkEncoding#SMILE}) it goes token by token, each number exactly as written ({@code 1.10} as
 * the decimal 1.10, not the nearest double), and Elasticsearch writes JSON from the tokens when asked: the same
 * values, but the same bytes only for a text that is already what that writer writes (compact, {@code 1.10} but not
 * {@code 1e2}, {@code é} but not {@code &#92;u00e9}). {@link #survivesBinary()} tells; the writer sends the others in
 * JSON. A text spread over several lines cannot go into NDJSON as it is: it goes compact ({@link #stored()}), each
 * token as written.
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

    /**
     * The text a JSON document holds for this one: the text itself, or, for a text over several lines, the same
     * without the whitespace between its tokens, each token (number, string, escape) exactly as written.
     *
     * @throws IllegalArgumentException for a text over several lines that holds no JSON value or more than one
     */
    String stored() {
        if (json.indexOf('\n') < 0 && json.indexOf('\r') < 0) {
            return json;
        }
        if (!isOneValue()) {
            // Said, not dropped: a second value would be lost, and an empty text would leave the field bare.
            throw new IllegalArgumentException("a source JSON holds no value or more than one");
        }
        return withoutWhitespaceBetweenTokens(json);
    }

    /** Whether the text is one JSON value, and nothing more. */
    boolean isOneValue() {
        try (JsonParser in = Json.MAPPER.getFactory().createParser(json)) {
            if (in.nextToken() == null) {
                return false;
            }
            in.skipChildren();
            return in.nextToken() == null;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * The members of a JSON object text in order, each value as its exact text. A key given twice keeps the place
     * of its first and the value of its last, as a parsed object (and a Python dict) does.
     *
     * @throws IllegalArgumentException if the text is not one JSON object
     */
    static Map<String, VerbatimJson> members(String objectJson) {
        byte[] bytes = objectJson.getBytes(StandardCharsets.UTF_8);
        Map<String, VerbatimJson> members = new LinkedHashMap<>();
        try (JsonParser in = Json.MAPPER.getFactory().createParser(bytes)) {
            if (in.nextToken() != JsonToken.START_OBJECT) {
                throw new IllegalArgumentException("not a JSON object");
            }
            while (in.nextToken() == JsonToken.FIELD_NAME) {
                String name = in.currentName();
                in.nextToken();
                members.put(name, valueAt(in, bytes));
            }
            if (in.nextToken() != null) {
                throw new IllegalArgumentException("more than one JSON value");
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("not JSON: " + e.getMessage(), e);
        }
        return members;
    }

    /** The exact text of a document's member (a stored {@code _source}'s, say), or null if it has none or null. */
    static String member(String objectJson, String name) {
        VerbatimJson value = members(objectJson).get(name);
        return value == null || value.json().equals("null") ? null : value.json();
    }

    /**
     * The value whose first token {@code in} has just read, cut from {@code json} (the bytes {@code in} reads) as
     * it is there; {@code in} is left on the value's last token.
     */
    static VerbatimJson valueAt(JsonParser in, byte[] json) throws IOException {
        int start = (int) in.currentTokenLocation().getByteOffset();
        if (in.currentToken().isStructStart()) {
            in.skipChildren();
        } else {
            // A string is read lazily: finish it, so that the location is past its closing quote.
            in.finishToken();
        }
        int end = (int) in.currentLocation().getByteOffset();
        return new VerbatimJson(new String(json, start, end - start, StandardCharsets.UTF_8));
    }

    /** {@code json} without spaces, tabs and line breaks outside its strings; every token as it was. */
    private static String withoutWhitespaceBetweenTokens(String json) {
        StringBuilder compact = new StringBuilder(json.length());
        boolean inString = false;
        boolean escaped = false;
        for (int i = 0; i < json.length(); i++) {
            char c = json.charAt(i);
            if (inString) {
                if (escaped) {
                    escaped = false;
                } else if (c == '\\') {
                    escaped = true;
                } else if (c == '"') {
                    inString = false;
                }
            } else if (c == '"') {
                inString = true;
            } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
                continue;
            }
            compact.append(c);
        }
        return compact.toString();
    }

    static final class Writer extends StdSerializer<VerbatimJson> {
        Writer() {
            super(VerbatimJson.class);
        }

        @Override
        public void serialize(VerbatimJson value, JsonGenerator out, SerializerProvider provider) throws IOException {
            if (!BulkEncoding.isBinary(out)) {
                out.writeRawValue(value.stored());
                return;
            }
            if (!copyOneValue(value.json(), out, false)) {
                // Said, not dropped: a second value would be lost, and an empty text would leave the field bare.
                throw new IllegalArgumentException("a source JSON holds no value or more than one");
            }
        }
    }
}
