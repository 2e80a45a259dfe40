package io.memshift.reembedder;

import dev.langchain4j.model.embedding.EmbeddingModel;
import io.memshift.clients.RateLimitPause;
import io.memshift.schemas.ModelFingerprint;
import java.util.function.Supplier;

/**
 * What memshift knows of one embedding model: its id on the command line, its fingerprint (provider, name,
 * revision, dims, prefix) and how to build it.
 *
 * @param prefix    text put before every memory when embedding it (e5 wants {@code "passage: "}), or null
 * @param limits    how the provider wants to be called (inputs and tokens per request, requests in flight)
 * @param rateLimit the provider's current rate limit, shared by every model built from this profile (they share
 *                  its key and quota): set by memshift's HTTP client when the provider answers 429, and read by the
 *                  re-embedder before it sends anything. Never set for an in-process model.
 */
public record ModelProfile(String id, String provider, String name, String revision, int dims, String prefix,
                           RequestLimits limits, Supplier<EmbeddingModel> factory, RateLimitPause rateLimit) {

    /** A profile whose provider's rate limit is its own (a model of its own key, or an in-process one). */
    public ModelProfile(String id, String provider, String name, String revision, int dims, String prefix,
                        RequestLimits limits, Supplier<EmbeddingModel> factory) {
        this(id, provider, name, revision, dims, prefix, limits, factory, new RateLimitPause());
    }

    public ModelFingerprint fingerprint() {
        return ModelFingerprint.newBuilder().setProvider(provider).setName(name).setRevision(revision)
                .setDims(dims).setPrefix(prefix).build();
    }

    /** This profile, with a factory that fails with {@code why}: its model cannot be built here. */
    public ModelProfile withoutModel(String why) {
        return new ModelProfile(id, provider, name, revision, dims, prefix, limits, () -> {
            throw new IllegalStateException(why);
        }, rateLimit);
    }

    /** The exact text the model sees for a memory. */
    public String inputOf(String memoryText) {
        return prefix == null ? memoryText : prefix + memoryText;
    }
}
