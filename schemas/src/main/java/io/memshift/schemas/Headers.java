package io.memshift.schemas;

import java.nio.charset.StandardCharsets;

/**
 * The names of the record headers memshift writes, part of the contract like the topics: consumers of the
 * dead-letter and rejected topics read them. Values are UTF-8 text.
 *
 * <ul>
 *   <li>{@code memories.dlq.<model>} (re-embedder): {@link #DLQ_REASON}, {@link #DLQ_MODEL};</li>
 *   <li>{@code memories.import-dlq.<index>} (importer): {@link #ERROR_STATUS}, {@link #ERROR_REASON},
 *       {@link #INDEX};</li>
 *   <li>{@code memories.rejected} (exporter, {@code --skip-invalid}): {@link #ERROR_REASON},
 *       {@link #SOURCE_POSITION}.</li>
 * </ul>
 */
public final class Headers {

    /** Why the model refused the memory's text: the provider's status and the start of its answer. */
    public static final String DLQ_REASON = "memshift.dlq.reason";
    /** The model that refused it, e.g. {@code openai:text-embedding-3-small}. */
    public static final String DLQ_MODEL = "memshift.dlq.model";
    /** The HTTP status with which Elasticsearch refused the document. */
    public static final String ERROR_STATUS = "memshift.error.status";
    /** Why the record was refused: Elasticsearch's error, or the problems found in a source record. */
    public static final String ERROR_REASON = "memshift.error.reason";
    /** The index that refused the document. */
    public static final String INDEX = "memshift.index";
    /** Where a refused source record stands in its source (file:line, page and item). */
    public static final String SOURCE_POSITION = "memshift.source.position";

    private Headers() {
    }

    /** Adds a header with a text value. */
    public static void add(org.apache.kafka.common.header.Headers headers, String name, String value) {
        headers.add(name, value.getBytes(StandardCharsets.UTF_8));
    }

    /** The text of the last header of that name, or null if there is none. */
    public static String text(org.apache.kafka.common.header.Headers headers, String name) {
        org.apache.kafka.common.header.Header header = headers.lastHeader(name);
        return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
