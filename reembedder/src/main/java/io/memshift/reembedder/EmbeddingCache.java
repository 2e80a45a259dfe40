package io.memshift.reembedder;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Vectors already computed, keyed by the model's fingerprint and the exact text the model saw. A memory
 * delivered again unchanged (a re-run, a replay, a duplicate), or the same text stored for many users, is
 * embedded once. Lives in a persistent state store without a changelog (see {@link Reembedder}): it survives
 * restarts on the same machine, and a task that moves starts with an empty cache.
 */
final class EmbeddingCache {

    private final KeyValueStore<String, byte[]> store;
    private final String fingerprint;

    EmbeddingCache(KeyValueStore<String, byte[]> store, ModelProfile profile) {
        this.store = store;
        // Everything that changes the vector for a given text is part of the key.
        this.fingerprint = profile.provider() + '\u0000' + profile.name() + '\u0000' + profile.revision()
                + '\u0000' + profile.dims() + '\u0000' + profile.prefix();
    }

    String keyOf(String modelInput) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(fingerprint.getBytes(StandardCharsets.UTF_8));
            sha.update((byte) 0);
            sha.update(modelInput.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }

    float[] get(String key) {
        byte[] bytes = store.get(key);
        if (bytes == null) {
            return null;
        }
        ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        float[] vector = new float[bytes.length / Float.BYTES];
        buffer.asFloatBuffer().get(vector);
        return vector;
    }

    void put(String key, float[] vector) {
        ByteBuffer buffer = ByteBuffer.allocate(vector.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        buffer.asFloatBuffer().put(vector);
        store.put(key, buffer.array());
    }
}
