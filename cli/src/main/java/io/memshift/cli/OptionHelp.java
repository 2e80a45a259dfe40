package io.memshift.cli;

/**
 * Help texts of the options several commands share, as compile-time constants (annotation values must be). They
 * name every source kind and every model family; {@code HelpTest} checks them against {@link SourceUri}'s kinds and
 * {@code EmbeddingModels.ids()}, so a kind or a model added there and not here fails the build.
 */
final class OptionHelp {

    /** Every {@code --source} kind. */
    static final String SOURCE_KINDS = "mem0-json:<file> (a Mem0 export), jsonl:<file> (one memory per line),"
            + " mem0-es:http(s)://host:9200/<index> (Mem0's Elasticsearch store),"
            + " mem0-qdrant:http(s)://host:6333/<collection> (Mem0's Qdrant store; key, if any, in QDRANT_API_KEY)"
            + " or mem0-api:https://api.mem0.ai (Mem0's REST API; key in MEM0_API_KEY)";

    /** The in-process models: they run here, with no key and no download. */
    static final String ONNX_MODELS = "onnx:all-minilm-l6-v2, onnx:all-minilm-l6-v2-q, onnx:bge-small-en-v15,"
            + " onnx:bge-small-en-v15-q, onnx:e5-small-v2, onnx:e5-small-v2-q, onnx:bge-small-zh-v15-q";

    /** Every {@code --model} family. */
    static final String MODELS = ONNX_MODELS + " (in-process, no key);"
            + " openai:<model> (e.g. openai:text-embedding-3-small; key in OPENAI_API_KEY),"
            + " ollama:<model> (e.g. ollama:nomic-embed-text; MEMSHIFT_OLLAMA_BASE_URL),"
            + " gemini:<model> (e.g. gemini:gemini-embedding-001; key in GEMINI_API_KEY);"
            + " stub:<dims> (deterministic vectors from a hash of the text, no compute: for measuring the pipeline)";

    private OptionHelp() {
    }
}
