package io.memshift.importer;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.smile.SmileFactory;
import com.fasterxml.jackson.dataformat.smile.SmileGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Locale;
import org.apache.http.entity.ContentType;

/**
 * How a {@code _bulk} request's body is encoded. Both carry the same values, and readers get JSON either way; but
 * Elasticsearch keeps each {@code _source} in the encoding it came in.
 *
 * <ul>
 *   <li>{@link #JSON} (the default): NDJSON. Elasticsearch keeps the bytes and hands them back as they are, so the
 *       index reads as fast as one its app built itself.</li>
 *   <li>{@link #SMILE}: Jackson's binary JSON, which Elasticsearch takes for {@code _bulk} as it does JSON. A
 *       vector's floats go as binary floats (6 bytes each on the wire) instead of 8 to 15 characters of decimal
 *       text: about half the bytes of a 1536-d document, no decimals to print here and none to parse there; the
 *       importer alone loaded 1536-d documents 15-25 % faster. The price is paid on every read: Elasticsearch
 *       converts a SMILE {@code _source} to JSON each time, and a kNN search returning 100 1536-d vectors (Mem0
 *       returns them) took 28.6-30.7 ms against 18.6-19.1 (BENCHMARKS.md). So it is for a load whose readers do
 *       not fetch the vectors. A cluster, or a proxy in front of it, that refuses SMILE (406, 415) gets JSON:
 *       {@link ElasticsearchWriter} switches by itself.</li>
 * </ul>
 */
public enum BulkEncoding {

    SMILE(new SmileFactory(), ContentType.create("application/smile"), 0xFF),
    JSON(new JsonFactory().enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER.mappedFeature()),
            ContentType.create("application/x-ndjson"), '\n');

    /** Every operation is versioned externally: a replay or a duplicate is a no-op, an older version loses. */
    private static final String VERSION_TYPE = "external_gte";

    private final ObjectMapper mapper;
    private final ContentType contentType;
    private final int separator;

    BulkEncoding(JsonFactory factory, ContentType contentType, int separator) {
        // As the Elasticsearch client's own mapper writes documents: null values left out.
        this.mapper = new ObjectMapper(factory).setSerializationInclusion(JsonInclude.Include.NON_NULL);
        this.contentType = contentType;
        this.separator = separator;
    }

    /** The encoding of this name, as configured ({@code smile} or {@code json}). */
    public static BulkEncoding named(String name) {
        for (BulkEncoding encoding : values()) {
            if (encoding.name().equalsIgnoreCase(name)) {
                return encoding;
            }
        }
        throw new IllegalArgumentException("unknown bulk encoding '" + name + "'; known: smile, json");
    }

    /** {@code smile} or {@code json}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The body's content type. */
    public ContentType contentType() {
        return contentType;
    }

    /** Whether a generator writes a binary encoding, where raw text has no place. */
    static boolean isBinary(JsonGenerator generator) {
        return generator instanceof SmileGenerator;
    }

    /** The whole body of a {@code _bulk} request doing {@code actions} in order. */
    byte[] encode(List<BulkAction> actions) {
        ByteArrayOutputStream body = new ByteArrayOutputStream(actions.size() * 1024);
        try {
            for (BulkAction action : actions) {
                // Each line is a document of its own: Elasticsearch wants SMILE's header on every one.
                try (JsonGenerator line = mapper.createGenerator(body)) {
                    line.writeStartObject();
                    line.writeObjectFieldStart(action.isRemoval() ? "delete" : "index");
                    line.writeStringField("_index", action.index());
                    line.writeStringField("_id", action.id());
                    line.writeNumberField("version", action.version());
                    line.writeStringField("version_type", VERSION_TYPE);
                    line.writeEndObject();
                    line.writeEndObject();
                }
                body.write(separator);
                if (!action.isRemoval()) {
                    writeLine(body, action.document());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode a bulk of " + actions.size() + " operations", e);
        }
        return body.toByteArray();
    }

    /** Appends one line of a body: {@code value} (anything Jackson writes), then the separator. */
    public void writeLine(ByteArrayOutputStream body, Object value) throws IOException {
        try (JsonGenerator line = mapper.createGenerator(body)) {
            mapper.writeValue(line, value);
        }
        body.write(separator);
    }
}
