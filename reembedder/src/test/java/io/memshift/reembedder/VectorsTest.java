package io.memshift.reembedder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("fast")
class VectorsTest {

    @Test
    void cosineIsTheAngleNotTheLength() {
        assertThat(Vectors.cosine(new float[] {1, 2, 3}, new float[] {2, 4, 6})).isCloseTo(1.0, within(1e-12));
        assertThat(Vectors.cosine(new float[] {1, 0}, new float[] {0, 5})).isCloseTo(0.0, within(1e-12));
        assertThat(Vectors.cosine(new float[] {1, 1}, new float[] {-1, -1})).isCloseTo(-1.0, within(1e-12));
        assertThat(Vectors.cosine(new float[] {3, 4}, List.of(4f, 3f))).isCloseTo(24.0 / 25, within(1e-9));
    }

    @Test
    void aZeroVectorIsSimilarToNothingRatherThanNaN() {
        assertThat(Vectors.cosine(new float[] {0, 0}, new float[] {1, 2})).isZero();
        assertThat(Vectors.cosine(new float[] {0, 0}, new float[] {0, 0})).isZero();
    }

    @Test
    void vectorsOfOtherDimensionsAreNotCompared() {
        assertThatThrownBy(() -> Vectors.cosine(new float[] {1, 2, 3}, List.of(1f, 2f)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("3-d").hasMessageContaining("2-d");
    }
}
