package io.memshift.importer;

import com.fasterxml.jackson.databind.util.RawValue;
import io.memshift.schemas.EmbeddedMemoryEvent;
import io.memshift.schemas.MemoryEvent;
import io.memshift.schemas.ModelFingerprint;
import io.memshift.schemas.Op;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An embedded memory event as an Elasticsearch document. A DELETE becomes a tombstone document ({@code deleted:
 * true}, no text, no vector) rather than a removal: Elasticsearch forgets the version of a removed document after
 * {@code index.gc_deletes} (60 s), and then a late, older upsert would bring the memory back. A tombstone keeps
 * its version for good; the alias filters tombstones out of every search.
 */
public final class DocumentConverter {

    private DocumentConverter() {
    }

    public static Map<String, Object> toDocument(EmbeddedMemoryEvent event) {
        MemoryEvent memory = event.getMemory();
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("memory_id", memory.getId());
        doc.put("version", memory.getVersion());
        doc.put("source_system", memory.getSource().getSystem());
        doc.put("source_name", memory.getSource().getName());
        if (memory.getOp() == Op.DELETE) {
            doc.put("deleted", true);
            return doc;
        }
        doc.put("deleted", false);
        doc.put("text", memory.getText());
        putIfPresent(doc, "hash", memory.getHash());
        putIfPresent(doc, "user_id", memory.getUserId());
        putIfPresent(doc, "agent_id", memory.getAgentId());
        putIfPresent(doc, "run_id", memory.getRunId());
        putIfPresent(doc, "actor_id", memory.getActorId());
        putIfPresent(doc, "role", memory.getRole());
        // The metadata JSON goes into _source byte for byte, not re-encoded.
        if (memory.getMetadata() != null) {
            doc.put("metadata", new RawValue(memory.getMetadata()));
        }
        putIfPresent(doc, "categories", memory.getCategories());
        putIfPresent(doc, "created_at", memory.getCreatedAt());
        putIfPresent(doc, "updated_at", memory.getUpdatedAt());
        if (memory.getCreatedAtTs() != null) {
            doc.put("created_at_ts", memory.getCreatedAtTs().toString());
        }
        if (memory.getUpdatedAtTs() != null) {
            doc.put("updated_at_ts", memory.getUpdatedAtTs().toString());
        }
        putIfPresent(doc, "source_position", memory.getSource().getPosition());
        if (!memory.getExtras().isEmpty()) {
            Map<String, Object> extras = new LinkedHashMap<>();
            memory.getExtras().forEach((key, json) -> extras.put(key, new RawValue(json)));
            doc.put("extras", extras);
        }
        ModelFingerprint model = event.getModel();
        Map<String, Object> fingerprint = new LinkedHashMap<>();
        fingerprint.put("provider", model.getProvider());
        fingerprint.put("name", model.getName());
        putIfPresent(fingerprint, "revision", model.getRevision());
        fingerprint.put("dims", model.getDims());
        putIfPresent(fingerprint, "prefix", model.getPrefix());
        doc.put("model", fingerprint);
        // No embedded_at here (it stays on the Kafka event): a duplicate or a replay of an unchanged memory must
        // produce the very same document, so that rewriting it at the same version changes nothing.
        doc.put("embedding", event.getEmbedding());
        return doc;
    }

    /** A cheap upper estimate of a document's JSON size, for cutting bulks by bytes without encoding twice. */
    static long estimatedBytes(EmbeddedMemoryEvent event) {
        MemoryEvent memory = event.getMemory();
        long size = 400 + 2L * memory.getId().length();
        size += memory.getText() == null ? 0 : 2L * memory.getText().length();
        size += memory.getMetadata() == null ? 0 : memory.getMetadata().length();
        size += event.getEmbedding() == null ? 0 : 16L * event.getEmbedding().size();
        return size;
    }

    private static void putIfPresent(Map<String, Object> doc, String field, Object value) {
        if (value != null) {
            doc.put(field, value);
        }
    }
}
