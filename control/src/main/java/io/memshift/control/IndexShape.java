package io.memshift.control;

import io.memshift.importer.BulkEncoding;
import io.memshift.importer.DocumentLayout;
import io.memshift.importer.ImporterConfig;
import io.memshift.importer.IndexMapping;

/**
 * How a new target index is built, beyond the vector dimensions the model fixes: the layout of its documents
 * ({@link DocumentLayout#MEM0}, what a Mem0 app reads, or {@link DocumentLayout#MEMSHIFT}), its vector index,
 * shards and replicas, and how it is loaded: the encoding its documents are sent and stored in ({@link BulkEncoding}:
 * Elasticsearch keeps a {@code _source} as it came), and how many {@code _bulk} requests are sent at once.
 */
public record IndexShape(DocumentLayout layout, String similarity, String indexOptions, int shards, int replicas,
                         BulkEncoding bulkEncoding, int bulkConcurrency) {

    public IndexShape {
        if (bulkConcurrency < 1) {
            throw new IllegalArgumentException("bulk concurrency must be positive, not " + bulkConcurrency);
        }
    }

    /** An importer's settings, loading this index as asked: its encoding and its bulks at once. */
    public ImporterConfig loading(ImporterConfig config) {
        return config.withBulkEncoding(bulkEncoding).withBulksInFlight(bulkConcurrency);
    }

    public IndexMapping mapping(int dims) {
        return new IndexMapping(dims, similarity, indexOptions, shards, replicas);
    }
}
