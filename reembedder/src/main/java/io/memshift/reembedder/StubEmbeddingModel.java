package io.memshift.reembedder;

import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.output.Response;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code stub:<dims>}: a deterministic stand-in for a model that costs next to nothing, for measuring the pipeline
 * itself ({@code bench scale}): the vector of a text is a function of its UTF-8 bytes alone (a 64-bit FNV-1a hash
 * seeding a xorshift generator), unit length, the same on every run and machine. It means nothing: never migrate
 * real memories with it.
 */
public final class StubEmbeddingModel implements EmbeddingModel {

    public static final int MAX_DIMS = 4096;

    private final int dims;

    public StubEmbeddingModel(int dims) {
        if (dims < 1 || dims > MAX_DIMS) {
            throw new IllegalArgumentException("stub:<dims> needs 1 to " + MAX_DIMS + " dimensions, was " + dims);
        }
        this.dims = dims;
    }

    @Override
    public Response<List<Embedding>> embedAll(List<TextSegment> segments) {
        List<Embedding> vectors = new ArrayList<>(segments.size());
        for (TextSegment segment : segments) {
            vectors.add(Embedding.from(vectorOf(segment.text(), dims)));
        }
        return Response.from(vectors);
    }

    @Override
    public int dimension() {
        return dims;
    }

    /** The stub's vector for a text. */
    public static float[] vectorOf(String text, int dims) {
        long state = 0xcbf29ce484222325L;
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            state = (state ^ (b & 0xff)) * 0x100000001b3L;
        }
        if (state == 0) {
            state = 1; // xorshift never leaves 0
        }
        float[] vector = new float[dims];
        double norm = 0;
        for (int i = 0; i < dims; i++) {
            state ^= state << 13;
            state ^= state >>> 7;
            state ^= state << 17;
            float v = ((state >>> 40) / (float) (1 << 24)) * 2f - 1f;
            vector[i] = v;
            norm += (double) v * v;
        }
        float scale = (float) (1 / Math.sqrt(Math.max(norm, 1e-12)));
        for (int i = 0; i < dims; i++) {
            vector[i] *= scale;
        }
        return vector;
    }
}
