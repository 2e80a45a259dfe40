package io.memshift.importer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The target index's settings and mapping, derived from the model: a {@code dense_vector} of the model's
 * dimensions, indexed for kNN with cosine similarity. Strict, so a document that does not fit is refused rather
 * than silently widening the mapping.
 *
 * @param dims          vector dimensions of the model
 * @param similarity    {@code cosine}, {@code dot_product}, {@code l2_norm} or {@code max_inner_product}
 * @param indexOptions  HNSW variant: {@code int8_hnsw} (ES's default, 4x smaller), {@code hnsw}, {@code bbq_hnsw} ...
 */
public record IndexMapping(int dims, String similarity, String indexOptions, int shards, int replicas) {

    public static IndexMapping forDims(int dims) {
        return new IndexMapping(dims, "cosine", "int8_hnsw", 1, 0);
    }

    /** The create-index body, with {@code meta} as the mapping's {@code _meta} (memshift's notes on the index). */
    public String toJson(java.util.Map<String, String> meta) {
        ObjectMapper json = new ObjectMapper();
        ObjectNode body = json.createObjectNode();
        body.putObject("settings").putObject("index")
                .put("number_of_shards", shards)
                .put("number_of_replicas", replicas);
        ObjectNode mappings = body.putObject("mappings");
        mappings.put("dynamic", "strict");
        ObjectNode metaNode = mappings.putObject("_meta");
        meta.forEach(metaNode::put);
        ObjectNode properties = mappings.putObject("properties");
        keyword(properties, "memory_id");
        properties.putObject("text").put("type", "text");
        for (String field : new String[] {"hash", "user_id", "agent_id", "run_id", "actor_id", "role", "categories",
                "created_at", "updated_at", "source_system", "source_name"}) {
            keyword(properties, field);
        }
        properties.putObject("source_position").put("type", "keyword").put("index", false).put("doc_values", false);
        // Metadata and extras are kept exactly as sent, in _source, and not indexed: Mem0 metadata has no fixed
        // schema, and mapping it would let one odd memory change (or break) the mapping for all.
        properties.putObject("metadata").put("type", "object").put("enabled", false);
        properties.putObject("extras").put("type", "object").put("enabled", false);
        properties.putObject("created_at_ts").put("type", "date_nanos");
        properties.putObject("updated_at_ts").put("type", "date_nanos");
        properties.putObject("version").put("type", "long");
        properties.putObject("deleted").put("type", "boolean");
        ObjectNode model = properties.putObject("model").putObject("properties");
        for (String field : new String[] {"provider", "name", "revision", "prefix"}) {
            keyword(model, field);
        }
        model.putObject("dims").put("type", "integer");
        ObjectNode vector = properties.putObject("embedding");
        vector.put("type", "dense_vector").put("dims", dims).put("index", true).put("similarity", similarity);
        vector.putObject("index_options").put("type", indexOptions);
        return body.toString();
    }

    private static void keyword(ObjectNode properties, String field) {
        properties.putObject(field).put("type", "keyword");
    }
}
