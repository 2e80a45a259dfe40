package io.memshift.reembedder;

import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.allminilml6v2q.AllMiniLmL6V2QuantizedEmbeddingModel;
import dev.langchain4j.model.embedding.onnx.bgesmallenv15.BgeSmallEnV15EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.bgesmallenv15q.BgeSmallEnV15QuantizedEmbeddingModel;
import dev.langchain4j.model.embedding.onnx.bgesmallzhv15q.BgeSmallZhV15QuantizedEmbeddingModel;
import dev.langchain4j.model.embedding.onnx.e5smallv2.E5SmallV2EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.e5smallv2q.E5SmallV2QuantizedEmbeddingModel;
import dev.langchain4j.model.googleai.GoogleAiEmbeddingModel;
import dev.langchain4j.model.ollama.OllamaEmbeddingModel;
import dev.langchain4j.model.openai.OpenAiEmbeddingModel;
import dev.langchain4j.model.openai.OpenAiTokenCountEstimator;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.PoolingMode;
import io.memshift.clients.RateLimitPause;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
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
    private static final Map<String, TunedOnnxEmbeddingModel.OnnxFiles> ONNX_FILES = new LinkedHashMap<>();

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
        PROFILES.put(id, new ModelProfile(id, "onnx", name, ONNX_REVISION, dims, prefix, RequestLimits.IN_PROCESS,
                () -> TunedOnnxEmbeddingModel.load(files, dims, dynamicallyQuantized(name))));
        STOCK.put(id, stock);
        ONNX_FILES.put(id, files);
    }

    /**
     * Counts the tokens a model reads: the model's own tokenizer for the in-process models and for OpenAI's
     * ({@code cl100k_base}, through LangChain4j's jtokkit estimator), {@link TokenCounter#ESTIMATE} for the others.
     * Needs no key and loads no weights.
     */
    public static TokenCounter tokenCounter(String id) {
        TunedOnnxEmbeddingModel.OnnxFiles files = ONNX_FILES.get(id);
        if (files != null) {
            return TunedOnnxEmbeddingModel.tokenCounter(files);
        }
        String openAiName = id.startsWith("openai:") ? id.substring("openai:".length()) : null;
        if (openAiName != null && OPENAI_DIMS.containsKey(openAiName)) {
            OpenAiTokenCountEstimator tokenizer = new OpenAiTokenCountEstimator(openAiName);
            return new TokenCounter() {
                @Override
                public long count(String modelInput) {
                    return tokenizer.estimateTokenCountInText(modelInput);
                }

                @Override
                public boolean exact() {
                    return true;
                }

                @Override
                public String method() {
                    return "OpenAI's tokenizer for " + openAiName + " (cl100k_base)";
                }
            };
        }
        return TokenCounter.ESTIMATE;
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

    /**
     * A dynamically quantized in-process model ({@code -q}) run in padded batches with each text quantized on its
     * own ({@link TunedOnnxEmbeddingModel#loadPerTextQuantized}), for {@code bench embed} to measure beside the
     * one-text-per-run model the pipeline uses; empty for any other model.
     */
    public static Optional<EmbeddingModel> perTextQuantized(String id) {
        TunedOnnxEmbeddingModel.OnnxFiles files = onnxFiles(id);
        if (files == null || !dynamicallyQuantized(id)) {
            return Optional.empty();
        }
        return Optional.of(TunedOnnxEmbeddingModel.loadPerTextQuantized(files, PROFILES.get(id).dims()));
    }

    /** LangChain4j's {@code -q} models: dynamically quantized, their activations' scale taken per input tensor. */
    private static boolean dynamicallyQuantized(String nameOrId) {
        return nameOrId.endsWith("-q");
    }

    /** Where an in-process model's files are, or null for another model. */
    static TunedOnnxEmbeddingModel.OnnxFiles onnxFiles(String id) {
        return ONNX_FILES.get(id);
    }

    /** @throws IllegalArgumentException naming the known ids if {@code id} is not one of them */
    public static ModelProfile profile(String id) {
        return profile(id, System.getenv());
    }

    /**
     * A model by id; remote providers read their settings from {@code env}. Keys are never logged or printed.
     *
     * <ul>
     *   <li>{@code openai:<model>}: key {@code OPENAI_API_KEY}, endpoint {@code MEMSHIFT_OPENAI_BASE_URL} (default
     *       {@value #OPENAI_DEFAULT_BASE_URL}), reduced dimensions {@code MEMSHIFT_OPENAI_DIMENSIONS}.</li>
     *   <li>{@code ollama:<model>}: endpoint {@code MEMSHIFT_OLLAMA_BASE_URL} (default
     *       {@value #OLLAMA_DEFAULT_BASE_URL}), dimensions {@code MEMSHIFT_OLLAMA_DIMENSIONS} unless the model is a
     *       known one.</li>
     *   <li>{@code gemini:<model>}: key {@code GEMINI_API_KEY} (or {@code GOOGLE_API_KEY}), endpoint
     *       {@code MEMSHIFT_GEMINI_BASE_URL} (default {@value #GEMINI_DEFAULT_BASE_URL}), reduced dimensions
     *       {@code MEMSHIFT_GEMINI_DIMENSIONS}. Memories are embedded with task type RETRIEVAL_DOCUMENT.</li>
     * </ul>
     *
     * Remote models are built with LangChain4j's retries off and memshift's {@link ProviderHttpClient}: the
     * re-embedder retries itself, honouring Retry-After, without blocking past its transaction timeout.
     *
     * @throws IllegalArgumentException naming the known ids if {@code id} is not one of them, or the setting missing
     */
    public static ModelProfile profile(String id, Map<String, String> env) {
        if (id.startsWith("openai:")) {
            return openAi(id.substring("openai:".length()), env);
        }
        if (id.startsWith("ollama:")) {
            return ollama(id.substring("ollama:".length()), env);
        }
        if (id.startsWith("gemini:")) {
            return gemini(id.substring("gemini:".length()), env);
        }
        if (id.startsWith("stub:")) {
            return stub(id.substring("stub:".length()));
        }
        ModelProfile profile = PROFILES.get(id);
        if (profile == null) {
            throw new IllegalArgumentException("unknown model '" + id + "'; known models: "
                    + String.join(", ", PROFILES.keySet()) + ", openai:<model>, ollama:<model>, gemini:<model>, stub:<dims>");
        }
        return profile;
    }

    static final String OPENAI_DEFAULT_BASE_URL = "https://api.openai.com/v1";
    static final String OLLAMA_DEFAULT_BASE_URL = "http://localhost:11434";
    static final String GEMINI_DEFAULT_BASE_URL = "https://generativelanguage.googleapis.com/v1beta";
    /** One request must end well inside the stage's 60 s transaction timeout. */
    static final java.time.Duration REMOTE_TIMEOUT = java.time.Duration.ofSeconds(30);

    private static final Map<String, Integer> OPENAI_DIMS = Map.of(
            "text-embedding-3-small", 1536, "text-embedding-3-large", 3072, "text-embedding-ada-002", 1536);
    private static final Map<String, Integer> OLLAMA_DIMS = Map.of(
            "nomic-embed-text", 768, "mxbai-embed-large", 1024, "all-minilm", 384, "snowflake-arctic-embed", 1024,
            "bge-m3", 1024, "embeddinggemma", 768);
    private static final Map<String, Integer> GEMINI_DIMS = Map.of(
            "gemini-embedding-001", 3072, "text-embedding-004", 768, "embedding-001", 768);

    private static ModelProfile openAi(String name, Map<String, String> env) {
        requireName("openai", name, "text-embedding-3-small");
        String key = requireKey(env, "openai:" + name, "OPENAI_API_KEY");
        String baseUrl = env.getOrDefault("MEMSHIFT_OPENAI_BASE_URL", OPENAI_DEFAULT_BASE_URL);
        Integer requested = optionalInt(env, "MEMSHIFT_OPENAI_DIMENSIONS");
        int dims = dims("openai:" + name, requested, OPENAI_DIMS.get(name), "MEMSHIFT_OPENAI_DIMENSIONS");
        // The revision records a reduced dimension count: a 512-d text-embedding-3-small is another vector space.
        String revision = requested == null ? null : "dimensions=" + requested;
        // OpenAI: at most 2,048 inputs and 300,000 tokens per request.
        RateLimitPause rateLimit = new RateLimitPause();
        return new ModelProfile("openai:" + name, "openai", name, revision, dims, null,
                new RequestLimits(2048, 300_000, 4),
                () -> OpenAiEmbeddingModel.builder().httpClientBuilder(new ProviderHttpClient.Builder(rateLimit))
                        .baseUrl(baseUrl).apiKey(key).modelName(name).dimensions(requested).maxSegmentsPerBatch(2048)
                        // Vectors as base64 float32 (exact, and a third of the bytes of decimal text, which the
                        // provider must print and we must parse per float); a server that answers with arrays
                        // anyway is read all the same.
                        .encodingFormat("base64")
                        .maxRetries(0).timeout(REMOTE_TIMEOUT).logRequests(false).logResponses(false).build(),
                rateLimit);
    }

    private static ModelProfile ollama(String name, Map<String, String> env) {
        requireName("ollama", name, "nomic-embed-text");
        String baseUrl = env.getOrDefault("MEMSHIFT_OLLAMA_BASE_URL", OLLAMA_DEFAULT_BASE_URL);
        Integer requested = optionalInt(env, "MEMSHIFT_OLLAMA_DIMENSIONS");
        String family = name.contains(":") ? name.substring(0, name.indexOf(':')) : name;
        int dims = dims("ollama:" + name, requested, OLLAMA_DIMS.get(family), "MEMSHIFT_OLLAMA_DIMENSIONS");
        // Ollama has no batch cap, but it is usually one local GPU or CPU: moderate requests, two at a time.
        RateLimitPause rateLimit = new RateLimitPause();
        return new ModelProfile("ollama:" + name, "ollama", name, null, dims, null, new RequestLimits(256, 200_000, 2),
                () -> OllamaEmbeddingModel.builder().httpClientBuilder(new ProviderHttpClient.Builder(rateLimit))
                        .baseUrl(baseUrl).modelName(name).maxRetries(0).timeout(REMOTE_TIMEOUT)
                        .logRequests(false).logResponses(false).build(),
                rateLimit);
    }

    private static ModelProfile gemini(String name, Map<String, String> env) {
        requireName("gemini", name, "gemini-embedding-001");
        String key = env.get("GEMINI_API_KEY") != null ? env.get("GEMINI_API_KEY") : env.get("GOOGLE_API_KEY");
        if (key == null || key.isBlank()) {
            throw new MissingKeyException("model gemini:" + name + " needs the environment variable GEMINI_API_KEY"
                    + " (or GOOGLE_API_KEY)", "GEMINI_API_KEY");
        }
        String baseUrl = env.getOrDefault("MEMSHIFT_GEMINI_BASE_URL", GEMINI_DEFAULT_BASE_URL);
        Integer requested = optionalInt(env, "MEMSHIFT_GEMINI_DIMENSIONS");
        int dims = dims("gemini:" + name, requested, GEMINI_DIMS.get(name), "MEMSHIFT_GEMINI_DIMENSIONS");
        String revision = "task=RETRIEVAL_DOCUMENT" + (requested == null ? "" : ",dimensions=" + requested);
        // batchEmbedContents takes at most 100 requests per call.
        RateLimitPause rateLimit = new RateLimitPause();
        return new ModelProfile("gemini:" + name, "gemini", name, revision, dims, null, new RequestLimits(100, 200_000, 4),
                () -> GoogleAiEmbeddingModel.builder().httpClientBuilder(new ProviderHttpClient.Builder(rateLimit))
                        .baseUrl(baseUrl).apiKey(key).modelName(name).outputDimensionality(requested)
                        .taskType(GoogleAiEmbeddingModel.TaskType.RETRIEVAL_DOCUMENT).maxRetries(0)
                        .timeout(REMOTE_TIMEOUT).logRequestsAndResponses(false).build(),
                rateLimit);
    }

    /** {@code stub:<dims>}: see {@link StubEmbeddingModel}; for measuring the pipeline, never for real memories. */
    private static ModelProfile stub(String dims) {
        int count;
        try {
            count = Integer.parseInt(dims.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("stub:<dims> needs a whole number of dimensions, e.g. stub:384; was 'stub:"
                    + dims + "'");
        }
        if (count < 1 || count > StubEmbeddingModel.MAX_DIMS) {
            throw new IllegalArgumentException("stub:<dims> needs 1 to " + StubEmbeddingModel.MAX_DIMS
                    + " dimensions, was " + count);
        }
        return new ModelProfile("stub:" + count, "stub", Integer.toString(count), "fnv1a-xorshift", count, null,
                RequestLimits.IN_PROCESS, () -> new StubEmbeddingModel(count));
    }

    private static void requireName(String provider, String name, String example) {
        if (name.isBlank()) {
            throw new IllegalArgumentException(provider + ": needs a model name, e.g. " + provider + ":" + example);
        }
    }

    private static String requireKey(Map<String, String> env, String model, String variable) {
        String key = env.get(variable);
        if (key == null || key.isBlank()) {
            throw new MissingKeyException("model " + model + " needs the environment variable " + variable, variable);
        }
        return key;
    }

    /** A remote model's key is not set; {@code variable} is where it goes. */
    private static final class MissingKeyException extends IllegalArgumentException {
        final String variable;

        MissingKeyException(String message, String variable) {
            super(message);
            this.variable = variable;
        }
    }

    /**
     * A model's profile as {@link #profile(String, Map)} gives it (dims, prefix, request limits, fingerprint), even
     * if its key is not set: for planning a migration before the key is there. Without the key, its factory fails,
     * naming the variable to set; the key, when set, is checked as by {@link #profile(String, Map)}.
     *
     * @throws IllegalArgumentException naming the known ids if {@code id} is not one of them
     */
    public static ModelProfile describe(String id, Map<String, String> env) {
        try {
            return profile(id, env);
        } catch (MissingKeyException e) {
            Map<String, String> placeholder = new java.util.HashMap<>(env);
            placeholder.put(e.variable, "not-set");
            return profile(id, placeholder).withoutModel(e.getMessage());
        }
    }

    private static Integer optionalInt(Map<String, String> env, String variable) {
        String value = env.get(variable);
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return Integer.valueOf(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(variable + " must be a whole number, was '" + value + "'");
        }
    }

    private static int dims(String model, Integer requested, Integer known, String variable) {
        Integer dims = requested != null ? requested : known;
        if (dims == null) {
            throw new IllegalArgumentException("memshift does not know the dimensions of " + model + "; set " + variable);
        }
        return dims;
    }

    public static Iterable<String> ids() {
        return PROFILES.keySet();
    }
}
