package io.memshift.reembedder;

import dev.langchain4j.model.embedding.EmbeddingModel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Embeds texts outside the stream exactly as the re-embedder embeds memories in it: each text becomes the model's
 * input through {@link ModelProfile#inputOf(String)} (e5's {@code "passage: "} prefix, for one), and the batch
 * goes through the same {@link ResilientEmbedder} (same request planning, same isolation of texts a provider
 * refuses), over the model instance the caller built from the profile (the tuned encoder for {@code onnx:} ids).
 * {@code memshift serve} uses it so that a Mem0 app's queries meet the vectors the index holds.
 */
public final class PipelineEmbedder implements AutoCloseable {

    /** Why the model could not embed some texts of a call for now; {@code retryAfter} as the provider asked. */
    public record Unavailable(boolean rateLimited, Optional<Duration> retryAfter, String reason) {
    }

    /**
     * What came back, text by text: a vector, or the model's reason for refusing that text, or neither when the
     * provider was throttling or down ({@link #unavailable()} then says why).
     */
    public record Result(List<float[]> vectors, Map<Integer, String> refused, Optional<Unavailable> unavailable) {
    }

    /** The model refused the setup itself (key, permissions, model name), not a text. */
    public static final class ModelRefusedException extends RuntimeException {
        ModelRefusedException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final ModelProfile profile;
    private final ResilientEmbedder embedder;

    /** @param model built from {@code profile} ({@code profile.factory().get()}); closed by the caller */
    public PipelineEmbedder(ModelProfile profile, EmbeddingModel model) {
        this(profile, model, new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
    }

    /**
     * @param meters where the model's meters go, as {@code memshift.serve.*} (latency, retries, 429s), tagged
     *               with the model
     */
    public PipelineEmbedder(ModelProfile profile, EmbeddingModel model, io.micrometer.core.instrument.MeterRegistry meters) {
        this.profile = profile;
        this.embedder = new ResilientEmbedder(model, profile, new ReembedMetrics(meters, "memshift.serve", profile.id()));
    }

    public ModelProfile profile() {
        return profile;
    }

    /**
     * @param budget no new model request starts after this much time; texts not sent by then come back
     *               unavailable
     */
    public Result embed(List<String> texts, Duration budget) {
        List<String> inputs = new ArrayList<>(texts.size());
        texts.forEach(text -> inputs.add(profile.inputOf(text)));
        ResilientEmbedder.Outcome outcome;
        try {
            outcome = embedder.embed(inputs, budget);
        } catch (ResilientEmbedder.ModelRefusedException e) {
            throw new ModelRefusedException(e.getMessage(), e);
        }
        Optional<Unavailable> unavailable = Optional.empty();
        Throwable failure = outcome.transientFailure();
        long unresolved = 0;
        for (int i = 0; i < inputs.size(); i++) {
            if (outcome.vectors()[i] == null && !outcome.rejected().containsKey(i)) {
                unresolved++;
            }
        }
        if (failure != null) {
            unavailable = Optional.of(new Unavailable(
                    ModelFailures.classify(failure) == ModelFailures.Kind.RATE_LIMITED,
                    ModelFailures.retryAfter(failure), ModelFailures.describe(failure)));
        } else if (unresolved > 0 && outcome.paced()) {
            unavailable = Optional.of(new Unavailable(true, Optional.of(embedder.rateLimitRemaining()),
                    "held back until the key's per-minute limits allow it"));
        } else if (unresolved > 0) {
            unavailable = Optional.of(new Unavailable(false, Optional.empty(), unresolved
                    + " texts were not sent within the time budget of " + budget.toMillis() + " ms"));
        }
        return new Result(Arrays.asList(outcome.vectors()), outcome.rejected(), unavailable);
    }

    /**
     * About how many tokens the model sees for {@code text} (memshift's cautious estimate without the model's
     * tokenizer: one per 3 bytes of UTF-8 of the model input, plus one).
     */
    public long estimateTokens(String text) {
        return RequestLimits.estimateTokens(profile.inputOf(text));
    }

    @Override
    public void close() {
        embedder.close();
    }
}
