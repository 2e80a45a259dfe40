package io.memshift.control;

import io.memshift.importer.IndexMapping;

/** How a new target index is built, beyond the vector dimensions the model fixes. */
public record IndexShape(String similarity, String indexOptions, int shards, int replicas) {

    public IndexMapping mapping(int dims) {
        return new IndexMapping(dims, similarity, indexOptions, shards, replicas);
    }
}
