package io.memshift.reembedder;

import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.allminilml6v2q.AllMiniLmL6V2QuantizedEmbeddingModel;
import dev.langchain4j.model.embedding.onnx.bgesmallenv15.BgeSmallEnV15EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.bgesmallenv15q.BgeSmallEnV15QuantizedEmbeddingModel;
import dev.langchain4j.model.embedding.onnx.bgesmallzhv15q.BgeSmallZhV15QuantizedEmbeddingModel;
import dev.langchain4j.model.embedding.onnx.e5smallv2.E5SmallV2EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.e5smallv2q.E5SmallV2QuantizedEmbeddingModel;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The models memshift can embed with, by id ({@code <provider>:<name>}). The in-process ONNX models ship inside
 * Maven jars, so they run anywhere without a download or a key. The revision names the LangChain4j artifact
 * version the weights come from: a different build of the same model is a different fingerprint.
 */
public final class EmbeddingModels {

    private static final String ONNX_REVISION = "langchain4j-embeddings-1.11.0-beta19";
    private static final Map<String, ModelProfile> PROFILES = new LinkedHashMap<>();

    static {
        onnx("all-minilm-l6-v2", 384, null, AllMiniLmL6V2EmbeddingModel::new);
        onnx("all-minilm-l6-v2-q", 384, null, AllMiniLmL6V2QuantizedEmbeddingModel::new);
        onnx("bge-small-en-v15", 384, null, BgeSmallEnV15EmbeddingModel::new);
        onnx("bge-small-en-v15-q", 384, null, BgeSmallEnV15QuantizedEmbeddingModel::new);
        // e5 was trained with "query: " / "passage: " prefixes; stored memories are passages.
        onnx("e5-small-v2", 384, "passage: ", E5SmallV2EmbeddingModel::new);
        onnx("e5-small-v2-q", 384, "passage: ", E5SmallV2QuantizedEmbeddingModel::new);
        onnx("bge-small-zh-v15-q", 512, null, BgeSmallZhV15QuantizedEmbeddingModel::new);
    }

    private EmbeddingModels() {
    }

    private static void onnx(String name, int dims, String prefix,
                             java.util.function.Supplier<dev.langchain4j.model.embedding.EmbeddingModel> factory) {
        String id = "onnx:" + name;
        PROFILES.put(id, new ModelProfile(id, "onnx", name, ONNX_REVISION, dims, prefix, factory));
    }

    /** @throws IllegalArgumentException naming the known ids if {@code id} is not one of them */
    public static ModelProfile profile(String id) {
        ModelProfile profile = PROFILES.get(id);
        if (profile == null) {
            throw new IllegalArgumentException("unknown model '" + id + "'; known models: "
                    + String.join(", ", PROFILES.keySet()));
        }
        return profile;
    }

    public static Iterable<String> ids() {
        return PROFILES.keySet();
    }
}
