package io.memshift.control;

import io.memshift.importer.BulkEncoding;
import io.memshift.importer.DocumentLayout;
import io.memshift.importer.IndexMapping;

/**
 * How a new target index is built, beyond the vector dimensions the model fixes: the layout of its documents
 * ({@link DocumentLayout#MEM0}, what a Mem0 app reads, or {@link DocumentLayout#MEMSHIFT}), its vector index,
 * shards and replicas, and the encoding its documents are sent and stored in ({@link BulkEncoding}: Elasticsearch
 * keeps a {@code _source} as it came).
 */
public record IndexShape(DocumentLayout layout, String similarity, String indexOptions, int shards, int replicas,
                         BulkEncoding bulkEncoding) {

    public IndexMapping mapping(int dims) {
        return new IndexMapping(dims, similarity, indexOptions, shards, replicas);
    }
}
