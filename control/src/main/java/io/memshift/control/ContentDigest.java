package io.memshift.control;

import io.memshift.importer.DocumentLayout;
import io.memshift.schemas.MemoryEvent;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;

/**
 * A digest of everything of a memory that must survive the migration unchanged, as the index's
 * {@link DocumentLayout} holds it (memshift layout: id, text, hash, scope ids, metadata as its exact JSON text,
 * categories and the timestamps as given; mem0 layout: id and the whole payload as its exact JSON text). Computed
 * the same way from a source event and from a target document, so equal digests mean an unchanged memory.
 */
public final class ContentDigest {

    private ContentDigest() {
    }

    /** The digest of a memory as the source gave it (after conversion to an event). */
    public static long of(DocumentLayout layout, MemoryEvent event) {
        return digest(layout.content(event));
    }

    /**
     * The digest of a memory as the index holds it: its id and the document's {@code _source} as its exact JSON text
     * (see {@link DocumentLayout#content(String, String)}).
     */
    public static long of(DocumentLayout layout, String id, String source) {
        return digest(layout.content(id, source));
    }

    private static long digest(List<String> fields) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (String field : fields) {
                // Null and empty differ; the separator keeps ("ab","c") apart from ("a","bc").
                sha.update(field == null ? new byte[] {0} : ("\u0001" + field).getBytes(StandardCharsets.UTF_8));
                sha.update((byte) 0x1e);
            }
            return ByteBuffer.wrap(sha.digest()).getLong();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }
}
