package io.memshift.importer;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.memshift.schemas.Json;
import java.util.Map;

/**
 * The shape of a target index, whatever its {@link DocumentLayout}: a {@code dense_vector} of the model's
 * dimensions, indexed for kNN with the given similarity and HNSW variant, and the index's shards and replicas.
 *
 * @param dims          vector dimensions of the model
 * @param similarity    {@code cosine}, {@code dot_product}, {@code l2_norm} or {@code max_inner_product}
 * @param indexOptions  HNSW variant: {@code int8_hnsw} (ES's default, 4x smaller), {@code hnsw}, {@code bbq_hnsw} ...
 */
public record IndexMapping(int dims, String similarity, String indexOptions, int shards, int replicas) {

    public static IndexMapping forDims(int dims) {
        return new IndexMapping(dims, "cosine", "int8_hnsw", 1, 0);
    }

    /**
     * The create-index body of this shape, whatever the layout: the index's shards and replicas, and {@code meta} as
     * its mapping's {@code _meta}. The layout adds its mapping settings and properties to {@code mappings}.
     */
    ObjectNode indexBody(Map<String, String> meta) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.putObject("settings").putObject("index")
                .put("number_of_shards", shards)
                .put("number_of_replicas", replicas);
        ObjectNode metaNode = body.putObject("mappings").putObject("_meta");
        meta.forEach(metaNode::put);
        return body;
    }

    /** Adds the vector field of this shape, named {@code field}, to a mapping's properties. */
    void putVector(ObjectNode properties, String field) {
        ObjectNode vector = properties.putObject(field);
        vector.put("type", "dense_vector").put("dims", dims).put("index", true).put("similarity", similarity);
        vector.putObject("index_options").put("type", indexOptions);
    }
}
