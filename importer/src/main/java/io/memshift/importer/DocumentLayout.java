package io.memshift.importer;

import co.elastic.clients.elasticsearch._types.query_dsl.Query;
import com.fasterxml.jackson.databind.JsonNode;
import io.memshift.schemas.EmbeddedMemoryEvent;
import io.memshift.schemas.MemoryEvent;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where a memory's fields live in an Elasticsearch document, and the mapping that holds them: the one place that
 * knows the document's field names. The importer writes through it; the arrival check, the index scan and
 * {@code verify} read through it. Two layouts:
 * <ul>
 *   <li>{@link #MEM0}: exactly what Mem0's own Elasticsearch store reads and writes ({@code _source.vector},
 *       {@code _source.metadata} = the memory's payload), so a Mem0 app reads the index as its own. A delete
 *       removes the document and is recorded aside, in the {@link DeleteLedger}.</li>
 *   <li>{@link #MEMSHIFT}: memshift's own strict documents (text, scope ids, metadata, timestamps, model as fields
 *       of their own), for teams that read the index themselves. A delete is a tombstone document.</li>
 * </ul>
 */
public interface DocumentLayout {

    DocumentLayout MEM0 = new Mem0Layout();
    DocumentLayout MEMSHIFT = new MemshiftLayout();

    /** The layout of this name, as given to {@code --layout}. */
    static DocumentLayout named(String name) {
        for (DocumentLayout layout : List.of(MEM0, MEMSHIFT)) {
            if (layout.name().equals(name)) {
                return layout;
            }
        }
        throw new IllegalArgumentException("unknown layout '" + name + "'; known: " + MEM0.name() + ", " + MEMSHIFT.name());
    }

    /** {@code mem0} or {@code memshift}; recorded in the index's {@code _meta}. */
    String name();

    /** The create-index body: settings and vector shape from {@code shape}, {@code meta} as the mapping's _meta. */
    String indexBody(IndexMapping shape, Map<String, String> meta);

    /** The {@code dense_vector} field. */
    String vectorField();

    /** The document an upsert writes. */
    Map<String, Object> document(EmbeddedMemoryEvent event);

    /**
     * True if a delete is written as a tombstone document ({@link #tombstone}); false if it removes the document
     * and is recorded in the index's {@link DeleteLedger}, so that nothing a reader gets by id is a ghost.
     */
    boolean keepsTombstones();

    /** The tombstone of a deleted memory (only for a layout that {@link #keepsTombstones()}). */
    Map<String, Object> tombstone(MemoryEvent delete);

    /** The source fields that tell a tombstone apart ({@link #isTombstone}); empty if the layout has none. */
    List<String> tombstoneFields();

    /** Whether a stored document is the tombstone of a deleted memory. */
    boolean isTombstone(JsonNode source);

    /** The filter of the read alias: what readers must not see (tombstones), if anything. */
    Optional<Query> aliasFilter();

    /** The memory's text in a stored document. */
    String text(JsonNode source);

    /** The memory's user id in a stored document, or null. */
    String userId(JsonNode source);

    /** The (keyword) field holding the user id, for a filter on one user's memories. */
    String userIdField();

    /** The field whose presence says a document records the model that embedded it. */
    String modelNameField();

    /** The model ({@code provider:name}) a stored document records, or null if it records none. */
    String recordedModel(JsonNode source);

    /**
     * What of a memory must survive the migration unchanged, as a document of this layout should hold it; equal to
     * {@link #content(String, String)} of the stored document exactly when the memory arrived unchanged: its source
     * JSON (metadata, a payload) byte for byte.
     */
    List<String> content(MemoryEvent event);

    /**
     * What of a memory must survive the migration unchanged, as a stored document holds it. {@code source} is the
     * document's {@code _source} as its exact JSON text ({@link IndexScanner}; members such as the vector may be left
     * out), never one Elasticsearch filtered: a filtered source is printed again, its decimals through a double.
     */
    List<String> content(String id, String source);
}
