package io.memshift.reembedder;

import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.output.Response;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * An embedding model for tests: records every request it gets, and fails a request the way a provider would when
 * the test says so (down, or refusing a poison text); otherwise it answers with the real model's vectors, or with a
 * vector derived from the text alone when it has no real model.
 */
final class ScriptedModel implements EmbeddingModel {

    /** A text holding this is refused, with the whole request that carries it, as a provider refuses an input. */
    static final String POISON = "<poison>";

    private final EmbeddingModel real;
    private final int dims;
    /** Each request's texts, in the order the requests came. */
    final List<List<String>> requests = new CopyOnWriteArrayList<>();
    /** The texts of each request that was answered with vectors. */
    final List<List<String>> answered = new CopyOnWriteArrayList<>();
    /**
     * Asked first about every request: the error to fail it with, or null to answer it. Null (the default) answers
     * every request.
     */
    volatile Function<List<String>, RuntimeException> failure;

    /** Answers with the real model's vectors. */
    ScriptedModel(EmbeddingModel real) {
        this.real = real;
        this.dims = real.dimension();
    }

    /** Answers with a vector that depends on the text alone (see {@link #vectorOf(String)}). */
    ScriptedModel(int dims) {
        this.real = null;
        this.dims = dims;
    }

    @Override
    public Response<List<Embedding>> embedAll(List<TextSegment> segments) {
        List<String> texts = segments.stream().map(TextSegment::text).toList();
        requests.add(texts);
        Function<List<String>, RuntimeException> fail = failure;
        RuntimeException error = fail == null ? null : fail.apply(texts);
        if (error != null) {
            throw error;
        }
        if (texts.stream().anyMatch(t -> t.contains(POISON))) {
            throw ProviderErrors.inputRefused("This model's maximum context length is 8192 tokens");
        }
        Response<List<Embedding>> response = real != null ? real.embedAll(segments)
                : Response.from(texts.stream().map(t -> Embedding.from(vectorOf(t))).toList());
        answered.add(texts);
        return response;
    }

    @Override
    public int dimension() {
        return dims;
    }

    float[] vectorOf(String text) {
        float[] vector = new float[dims];
        int seed = text.hashCode();
        for (int i = 0; i < dims; i++) {
            seed = seed * 1103515245 + 12345;
            vector[i] = ((seed >>> 8) % 2000) / 1000f - 1f;
        }
        return vector;
    }

    /** How many times {@code text} came back with a vector. */
    long timesEmbedded(String text) {
        return answered.stream().flatMap(List::stream).filter(text::equals).count();
    }

    /** How many texts came back with a vector, in all. */
    int textsEmbedded() {
        return answered.stream().mapToInt(List::size).sum();
    }
}
