package io.memshift.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("fast")
class IndexSizeEstimateTest {

    @Test
    void int8HnswKeepsFloatsAnInt8CopyAndAGraph() {
        IndexSizeEstimate size = IndexSizeEstimate.of("int8_hnsw", 1000, 384, 500_000, 0);
        assertThat(size.floatVectorBytes()).isEqualTo(1000L * 384 * 4);
        assertThat(size.quantizedVectorBytes()).isEqualTo(1000L * (384 + 4));
        assertThat(size.graphBytes()).isEqualTo(1000L * 128);
        assertThat(size.sourceBytes()).isEqualTo(500_000 + 1000L * 384 * 12);
        assertThat(size.totalBytes()).isEqualTo(size.floatVectorBytes() + size.quantizedVectorBytes()
                + size.graphBytes() + size.sourceBytes());
        // Elasticsearch's rule: the quantized vectors are what must sit in the page cache.
        assertThat(size.ramBytes()).isEqualTo(1000L * (384 + 4));
    }

    @Test
    void eachIndexTypeByItsOwnRule() {
        IndexSizeEstimate hnsw = IndexSizeEstimate.of("hnsw", 10, 1536, 0, 0);
        assertThat(hnsw.quantizedVectorBytes()).isZero();
        assertThat(hnsw.ramBytes()).isEqualTo(10L * 4 * (1536 + 12));
        assertThat(IndexSizeEstimate.of("int4_hnsw", 10, 385, 0, 0).quantizedVectorBytes()).isEqualTo(10L * (193 + 4));
        IndexSizeEstimate bbqFlat = IndexSizeEstimate.of("bbq_flat", 10, 1536, 0, 0);
        assertThat(bbqFlat.quantizedVectorBytes()).isEqualTo(10L * (1536 / 8 + 14));
        assertThat(bbqFlat.graphBytes()).isZero();
        assertThat(IndexSizeEstimate.of("flat", 10, 8, 0, 0).graphBytes()).isZero();
    }

    @Test
    void replicasMultiplyTheTotalAndAnUnknownTypeIsRefused() {
        long one = IndexSizeEstimate.of("int8_hnsw", 100, 384, 1000, 0).totalBytes();
        assertThat(IndexSizeEstimate.of("int8_hnsw", 100, 384, 1000, 2).totalBytes()).isEqualTo(3 * one);
        assertThatThrownBy(() -> IndexSizeEstimate.of("int7_hnsw", 1, 1, 0, 0)).isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("unknown index type 'int7_hnsw'");
        assertThatThrownBy(() -> IndexSizeEstimate.of("disk", 1, 1, 0, 0)).isInstanceOf(InvalidRequestException.class);
    }
}
