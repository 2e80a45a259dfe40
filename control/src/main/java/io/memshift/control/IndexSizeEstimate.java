package io.memshift.control;

import java.util.Map;

/**
 * How big the target index will be, estimated from Elasticsearch's documented storage of {@code dense_vector}
 * fields, before replicas are counted and before Elasticsearch compresses stored fields:
 * <ul>
 *   <li>the float vectors, 4 bytes per dimension: Elasticsearch keeps them whatever the index type, to rescore
 *       and to re-quantize on merges;</li>
 *   <li>the quantized copy of a quantized type: {@code int8} dims + 4 bytes per vector, {@code int4} dims / 2 + 4,
 *       {@code bbq} dims / 8 + 14;</li>
 *   <li>the HNSW graph of an {@code *hnsw} type: up to 2 × m = 32 neighbours of 4 bytes on its bottom layer, 128
 *       bytes per vector;</li>
 *   <li>{@code _source}: each document as the importer writes it, its vector there too as JSON text, about
 *       {@value #JSON_BYTES_PER_ELEMENT} bytes per dimension ({@code -0.031235462,}).</li>
 * </ul>
 * {@code ramBytes} is Elasticsearch's own sizing rule for the memory kNN search needs to be fast: the vectors it
 * searches and their graph held in the page cache ({@code 4 × (dims + 12)} per float vector, {@code dims + 4} per
 * int8 one, {@code dims / 2 + 4} per int4 one, {@code dims / 8 + 14} per bbq one).
 *
 * @param sourceBytes the documents' {@code _source}, vectors included
 * @param totalBytes  everything above, times (1 + replicas)
 */
public record IndexSizeEstimate(String indexOptions, long vectors, int dims, long floatVectorBytes,
                                long quantizedVectorBytes, long graphBytes, long sourceBytes, int replicas,
                                long totalBytes, long ramBytes) {

    static final int JSON_BYTES_PER_ELEMENT = 12;
    static final int HNSW_GRAPH_BYTES_PER_VECTOR = 2 * 16 * 4;

    /** Bytes per vector of the quantized copy, and of the page-cache rule, by the quantization of an index type. */
    private record Quantization(String name, int perVectorOverhead, int dimsDivisor) {
        long bytes(int dims) {
            return (dims + dimsDivisor - 1) / dimsDivisor + perVectorOverhead;
        }
    }

    private static final Map<String, Quantization> QUANTIZATION = Map.of(
            "int8", new Quantization("int8", 4, 1),
            "int4", new Quantization("int4", 4, 2),
            "bbq", new Quantization("bbq", 14, 8));

    /**
     * @param documentBytes the documents' JSON as the importer writes them, without their vectors
     * @throws InvalidRequestException if {@code indexOptions} is not an index type of Elasticsearch 8
     */
    public static IndexSizeEstimate of(String indexOptions, long vectors, int dims, long documentBytes, int replicas) {
        boolean hnsw = indexOptions.endsWith("hnsw");
        boolean flat = indexOptions.endsWith("flat");
        String quantized = indexOptions.equals("hnsw") || indexOptions.equals("flat") ? null
                : indexOptions.substring(0, Math.max(0, indexOptions.indexOf('_')));
        if (!hnsw && !flat || quantized != null && !QUANTIZATION.containsKey(quantized)) {
            throw new InvalidRequestException("unknown index type '" + indexOptions + "'; known: hnsw, int8_hnsw,"
                    + " int4_hnsw, bbq_hnsw, flat, int8_flat, int4_flat, bbq_flat");
        }
        long floats = vectors * dims * 4L;
        long quantizedBytes = quantized == null ? 0 : vectors * QUANTIZATION.get(quantized).bytes(dims);
        long graph = hnsw ? vectors * HNSW_GRAPH_BYTES_PER_VECTOR : 0;
        long source = documentBytes + vectors * dims * (long) JSON_BYTES_PER_ELEMENT;
        long total = (floats + quantizedBytes + graph + source) * (1 + replicas);
        long ram = quantized == null ? vectors * 4L * (dims + 12) : quantizedBytes;
        return new IndexSizeEstimate(indexOptions, vectors, dims, floats, quantizedBytes, graph, source, replicas,
                total, ram);
    }
}
