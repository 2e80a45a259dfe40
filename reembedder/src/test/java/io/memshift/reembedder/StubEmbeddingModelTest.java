package io.memshift.reembedder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("fast")
class StubEmbeddingModelTest {

    @Test
    void theProfileOfStubDimsBuildsAModelOfThatManyDimensions() {
        ModelProfile profile = EmbeddingModels.profile("stub:48");
        assertThat(profile.id()).isEqualTo("stub:48");
        assertThat(profile.dims()).isEqualTo(48);
        assertThat(profile.limits()).isEqualTo(RequestLimits.IN_PROCESS);
        List<Embedding> vectors = profile.factory().get()
                .embedAll(List.of(TextSegment.from("Alice likes tea"), TextSegment.from("Bob likes coffee"))).content();
        assertThat(vectors).hasSize(2).allSatisfy(v -> assertThat(v.dimension()).isEqualTo(48));
    }

    @Test
    void aTextsVectorIsTheSameEveryTimeUnitLengthAndItsOwn() {
        float[] once = StubEmbeddingModel.vectorOf("User prefers dark roast coffee (#17)", 384);
        float[] again = new StubEmbeddingModel(384).embed("User prefers dark roast coffee (#17)").content().vector();
        float[] other = StubEmbeddingModel.vectorOf("User prefers dark roast coffee (#18)", 384);
        assertThat(again).containsExactly(once);
        assertThat(dot(once, once)).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-5));
        assertThat(dot(once, other)).isLessThan(0.5);
    }

    @Test
    void dimensionsOutsideOneTo4096OrNotANumberAreRefusedNamingTheRule() {
        assertThatThrownBy(() -> EmbeddingModels.profile("stub:0")).hasMessageContaining("1 to 4096");
        assertThatThrownBy(() -> EmbeddingModels.profile("stub:5000")).hasMessageContaining("1 to 4096");
        assertThatThrownBy(() -> EmbeddingModels.profile("stub:big")).hasMessageContaining("stub:<dims>")
                .hasMessageContaining("'stub:big'");
    }

    private static double dot(float[] a, float[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += (double) a[i] * b[i];
        }
        return sum;
    }
}
