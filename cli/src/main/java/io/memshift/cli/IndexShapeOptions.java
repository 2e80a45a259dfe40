package io.memshift.cli;

import io.memshift.control.IndexShape;
import io.memshift.control.InvalidRequestException;
import io.memshift.importer.BulkEncoding;
import io.memshift.importer.DocumentLayout;
import io.memshift.importer.IndexMapping;
import java.util.List;
import picocli.CommandLine.Option;

/** How a new target index is built, beyond the vector dimensions the model fixes. */
final class IndexShapeOptions {

    @Option(names = "--layout", defaultValue = "mem0", paramLabel = "mem0|memshift",
            description = {"Documents as Mem0's own Elasticsearch store reads and writes them (mem0, the default: a Mem0"
                    + " app reads the index through the alias), or memshift's own strict fields (memshift)."})
    String layout;

    @Option(names = "--index-options", defaultValue = "int8_hnsw",
            description = "Vector index type: int8_hnsw (4x smaller than hnsw), hnsw, int4_hnsw, bbq_hnsw, flat, int8_flat ... (default: ${DEFAULT-VALUE}).")
    String indexOptions;

    @Option(names = "--similarity", defaultValue = "cosine",
            description = "Vector similarity: cosine, dot_product, l2_norm, max_inner_product (default: ${DEFAULT-VALUE}).")
    String similarity;

    @Option(names = "--shards", defaultValue = "1", description = "Primary shards of a new index (default: ${DEFAULT-VALUE}).")
    int shards;

    @Option(names = "--replicas", defaultValue = "0", description = "Replicas of a new index (default: ${DEFAULT-VALUE}; use 1+ on a real cluster).")
    int replicas;

    @Option(names = "--bulk-encoding", defaultValue = "json", paramLabel = "json|smile",
            description = {"How documents are sent, and so stored: json (the default: the index reads as fast as one its"
                    + " app built), or smile (binary floats: half the bytes to send and a faster load, but"
                    + " Elasticsearch keeps _source as SMILE and converts it on every read; a search returning 100"
                    + " 1536-d vectors took 1.5x as long)."})
    String bulkEncoding;

    @Option(names = "--bulk-concurrency", defaultValue = "2", paramLabel = "N",
            description = {"_bulk requests sent at once (default: ${DEFAULT-VALUE}). One node of 2 cores takes no"
                    + " more than 2; a larger cluster takes about as many as the write threads of the nodes holding"
                    + " the index's primaries (bench e2e prints the best of 1, 2 and 4 for the stack it runs on)."})
    int bulkConcurrency;

    /** Elasticsearch's dense_vector similarities and index types (8.x and 9.x): anything else fails its mapping. */
    static final List<String> SIMILARITIES = List.of("cosine", "dot_product", "l2_norm", "max_inner_product");
    static final List<String> INDEX_OPTIONS = List.of("hnsw", "int8_hnsw", "int4_hnsw", "bbq_hnsw", "flat",
            "int8_flat", "int4_flat", "bbq_flat");
    /** Elasticsearch's own limit on an index's primary shards. */
    static final int MAX_SHARDS = 1024;

    /**
     * The index's shape, every option checked first: Elasticsearch would refuse a bad one only when the index is
     * created, after the source was read and the stages started, with its client's deserialization message.
     */
    IndexShape shape() {
        if (bulkConcurrency < 1 || bulkConcurrency > MAX_BULK_CONCURRENCY) {
            throw new InvalidRequestException("--bulk-concurrency: " + bulkConcurrency + " is not between 1 and "
                    + MAX_BULK_CONCURRENCY);
        }
        if (!SIMILARITIES.contains(similarity)) {
            throw new InvalidRequestException("--similarity: unknown similarity '" + similarity + "'; known: "
                    + String.join(", ", SIMILARITIES));
        }
        if (!INDEX_OPTIONS.contains(indexOptions)) {
            throw new InvalidRequestException("--index-options: unknown index type '" + indexOptions + "'; known: "
                    + String.join(", ", INDEX_OPTIONS));
        }
        if (shards < 1 || shards > MAX_SHARDS) {
            throw new InvalidRequestException("--shards: " + shards + " is not between 1 and " + MAX_SHARDS);
        }
        if (replicas < 0) {
            throw new InvalidRequestException("--replicas: " + replicas + " is negative");
        }
        return new IndexShape(layout(), similarity, indexOptions, shards, replicas, bulkEncoding(), bulkConcurrency);
    }

    /** Beyond this, bulks only wait in the cluster's write queue, holding the importer's memory meanwhile. */
    static final int MAX_BULK_CONCURRENCY = 64;

    BulkEncoding bulkEncoding() {
        try {
            return BulkEncoding.named(bulkEncoding);
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException("--bulk-encoding: " + e.getMessage());
        }
    }

    DocumentLayout layout() {
        try {
            return DocumentLayout.named(layout);
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException("--layout: " + e.getMessage());
        }
    }

    IndexMapping mapping(int dims) {
        return shape().mapping(dims);
    }
}
