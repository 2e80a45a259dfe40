package io.memshift.reembedder;

import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.allminilml6v2q.AllMiniLmL6V2QuantizedEmbeddingModel;
import dev.langchain4j.model.embedding.onnx.bgesmallenv15.BgeSmallEnV15EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.bgesmallenv15q.BgeSmallEnV15QuantizedEmbeddingModel;
import dev.langchain4j.model.embedding.onnx.bgesmallzhv15q.BgeSmallZhV15QuantizedEmbeddingModel;
import dev.langchain4j.model.embedding.onnx.e5smallv2.E5SmallV2EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.e5smallv2q.E5SmallV2QuantizedEmbeddingModel;
import dev.langchain4j.model.openai.OpenAiEmbeddingModel;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.PoolingMode;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;


/**
 * The models memshift can embed with, by id ({@code <provider>:<name>}). The in-process ONNX models ship inside
 * Maven jars, so they run anywhere without a download or a key. The revision names the LangChain4j artifact
 * version the weights come from: a different build of the same model is a different fingerprint.
 */
public final class EmbeddingModels {

    private static final String ONNX_REVISION = "langchain4j-embeddings-1.11.0-beta19";
    private static final Map<String, ModelProfile> PROFILES = new LinkedHashMap<>();

    private static final Map<String, Supplier<EmbeddingModel>> STOCK = new LinkedHashMap<>();

    static {
        onnx("all-minilm-l6-v2", 384, null, AllMiniLmL6V2EmbeddingModel::new,
                "all-minilm-l6-v2.onnx", "all-minilm-l6-v2-tokenizer.json", PoolingMode.MEAN);
        onnx("all-minilm-l6-v2-q", 384, null, AllMiniLmL6V2QuantizedEmbeddingModel::new,
                "all-minilm-l6-v2-q.onnx", "all-minilm-l6-v2-q-tokenizer.json", PoolingMode.MEAN);
        onnx("bge-small-en-v15", 384, null, BgeSmallEnV15EmbeddingModel::new,
                "bge-small-en-v1.5.onnx", "bge-small-en-v1.5-tokenizer.json", PoolingMode.CLS);
        onnx("bge-small-en-v15-q", 384, null, BgeSmallEnV15QuantizedEmbeddingModel::new,
                "bge-small-en-v1.5-q.onnx", "bge-small-en-v1.5-q-tokenizer.json", PoolingMode.CLS);
        // e5 was trained with "query: " / "passage: " prefixes; stored memories are passages.
        onnx("e5-small-v2", 384, "passage: ", E5SmallV2EmbeddingModel::new,
                "e5-small-v2.onnx", "e5-small-v2-tokenizer.json", PoolingMode.MEAN);
        onnx("e5-small-v2-q", 384, "passage: ", E5SmallV2QuantizedEmbeddingModel::new,
                "e5-small-v2-q.onnx", "e5-small-v2-q-tokenizer.json", PoolingMode.MEAN);
        onnx("bge-small-zh-v15-q", 512, null, BgeSmallZhV15QuantizedEmbeddingModel::new,
                "bge-small-zh-v1.5-q.onnx", "bge-small-zh-v1.5-q-tokenizer.json", PoolingMode.CLS);
    }

    private EmbeddingModels() {
    }

    /**
     * Registers one in-process model. The pipeline runs the {@link TunedOnnxEmbeddingModel} over the files of the
     * stock model's jar (same weights, same tokenizer, same pooling, so the same vectors); the stock class stays
     * reachable through {@link #stock(String)} so that {@code bench embed} can measure one against the other.
     */
    private static void onnx(String name, int dims, String prefix, Supplier<EmbeddingModel> stock,
                             String modelFile, String tokenizerFile, PoolingMode pooling) {
        String id = "onnx:" + name;
        TunedOnnxEmbeddingModel.OnnxFiles files = new TunedOnnxEmbeddingModel.OnnxFiles(modelFile, tokenizerFile, pooling);
        PROFILES.put(id, new ModelProfile(id, "onnx", name, ONNX_REVISION, dims, prefix,
                () -> TunedOnnxEmbeddingModel.load(files, dims, name.endsWith("-q"))));
        STOCK.put(id, stock);
    }

    /**
     * LangChain4j's own class for an in-process model, as it comes, for benchmarks and for checking that the
     * tuned model gives the same vectors.
     *
     * @throws IllegalArgumentException if {@code id} is not an in-process model
     */
    public static EmbeddingModel stock(String id) {
        Supplier<EmbeddingModel> stock = STOCK.get(id);
        if (stock == null) {
            throw new IllegalArgumentException("'" + id + "' is not an in-process model; in-process models: "
                    + String.join(", ", STOCK.keySet()));
        }
        return stock.get();
    }

    /** @throws IllegalArgumentException naming the known ids if {@code id} is not one of them */
    public static ModelProfile profile(String id) {
        return profile(id, System.getenv());
    }

    /**
     * A model by id; remote providers read their settings from {@code env}.
     *
     * <p>{@code openai:<model>}: the key from {@code OPENAI_API_KEY} (never logged or printed), the endpoint from
     * {@code MEMSHIFT_OPENAI_BASE_URL} (default {@value #OPENAI_DEFAULT_BASE_URL}), reduced dimensions from
     * {@code MEMSHIFT_OPENAI_DIMENSIONS} (the text-embedding-3 models accept them).
     *
     * @throws IllegalArgumentException naming the known ids if {@code id} is not one of them, or the setting missing
     */
    public static ModelProfile profile(String id, Map<String, String> env) {
        if (id.startsWith("openai:")) {
            return openAi(id.substring("openai:".length()), env);
        }
        ModelProfile profile = PROFILES.get(id);
        if (profile == null) {
            throw new IllegalArgumentException("unknown model '" + id + "'; known models: "
                    + String.join(", ", PROFILES.keySet()) + ", openai:<model>");
        }
        return profile;
    }

    static final String OPENAI_DEFAULT_BASE_URL = "https://api.openai.com/v1";
    private static final Map<String, Integer> OPENAI_DIMS = Map.of(
            "text-embedding-3-small", 1536, "text-embedding-3-large", 3072, "text-embedding-ada-002", 1536);

    private static ModelProfile openAi(String name, Map<String, String> env) {
        if (name.isBlank()) {
            throw new IllegalArgumentException("openai: needs a model name, e.g. openai:text-embedding-3-small");
        }
        String key = env.get("OPENAI_API_KEY");
        if (key == null || key.isBlank()) {
            throw new IllegalArgumentException("model openai:" + name + " needs the environment variable OPENAI_API_KEY");
        }
        String baseUrl = env.getOrDefault("MEMSHIFT_OPENAI_BASE_URL", OPENAI_DEFAULT_BASE_URL);
        String reduced = env.get("MEMSHIFT_OPENAI_DIMENSIONS");
        Integer requested;
        try {
            requested = reduced == null || reduced.isBlank() ? null : Integer.valueOf(reduced.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("MEMSHIFT_OPENAI_DIMENSIONS must be a whole number, was '" + reduced + "'");
        }
        Integer dims = requested != null ? requested : OPENAI_DIMS.get(name);
        if (dims == null) {
            throw new IllegalArgumentException("memshift does not know the dimensions of openai:" + name
                    + "; set MEMSHIFT_OPENAI_DIMENSIONS");
        }
        // The revision records a reduced dimension count: a 512-d text-embedding-3-small is another vector space.
        String revision = requested == null ? null : "dimensions=" + requested;
        return new ModelProfile("openai:" + name, "openai", name, revision, dims, null,
                () -> OpenAiEmbeddingModel.builder().baseUrl(baseUrl).apiKey(key).modelName(name)
                        .dimensions(requested).maxSegmentsPerBatch(2048).maxRetries(3)
                        .timeout(java.time.Duration.ofSeconds(60)).logRequests(false).logResponses(false).build());
    }

    public static Iterable<String> ids() {
        return PROFILES.keySet();
    }
}
