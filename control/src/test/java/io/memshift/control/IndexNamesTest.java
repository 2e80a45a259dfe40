package io.memshift.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.memshift.schemas.Pipeline;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("fast")
class IndexNamesTest {

    @Test
    void theDefaultIndexOfAModelIsItsSlugsFirst() {
        assertThat(IndexNames.defaultIndex("onnx:bge-small-en-v15")).isEqualTo("memories-onnx-bge-small-en-v15-1");
        assertThat(IndexNames.defaultIndex("openai:Text-Embedding-3-Small"))
                .isEqualTo("memories-openai-text-embedding-3-small-1");
    }

    @Test
    void eachPipelineHasIndicesOfItsOwn() {
        String model = "onnx:bge-small-en-v15";
        assertThat(IndexNames.defaultIndex(Pipeline.named("memories"), model)).isEqualTo("memories-onnx-bge-small-en-v15-1");
        assertThat(IndexNames.defaultIndex(Pipeline.named("shop-eu"), model))
                .isEqualTo("memories.shop-eu.onnx-bge-small-en-v15-1");
        // A pipeline called "onnx" cannot take the index of the model onnx:bge-... of the pipeline memories.
        assertThat(IndexNames.defaultIndex(Pipeline.named("onnx"), "bge-small-en-v15"))
                .isNotEqualTo(IndexNames.defaultIndex(Pipeline.named("memories"), model));
        assertThat(IndexNames.defaultIndex(Pipeline.ofLog("Tenant-A.memories"), model))
                .isEqualTo("tenant-a.memories.onnx-bge-small-en-v15-1");
        assertThat(IndexNames.defaultIndex("memories", model)).isEqualTo("memories-onnx-bge-small-en-v15-1");
        assertThat(IndexNames.defaultIndex("Support.Memories", model)).isEqualTo("support.memories.onnx-bge-small-en-v15-1");
    }

    @Test
    void aNameElasticsearchWouldRefuseIsRefusedSayingWhy() {
        assertThatThrownBy(() -> IndexNames.requireValid("Sweep-Upper", "--index")).isInstanceOf(InvalidRequestException.class)
                .hasMessage("--index Sweep-Upper: Elasticsearch index and alias names are lower case");
        assertThatThrownBy(() -> IndexNames.requireValid("_hidden", "--alias")).hasMessage("--alias _hidden: it cannot start with _");
        assertThatThrownBy(() -> IndexNames.requireValid("a b", "--index")).hasMessageContaining("cannot hold ' '");
        assertThatThrownBy(() -> IndexNames.requireValid("a#b", "--index")).hasMessageContaining("cannot hold '#'");
        assertThatThrownBy(() -> IndexNames.requireValid("..", "--index")).hasMessageContaining("cannot be . or ..");
        assertThatThrownBy(() -> IndexNames.requireValid("x".repeat(256), "--index")).hasMessageContaining("255 bytes");
        assertThatCode(() -> IndexNames.requireValid("memories.shop-eu.onnx-bge-small-en-v15-1", "--index")).doesNotThrowAnyException();
        assertThatCode(() -> IndexNames.requireValid("mem0_memories", "--alias")).doesNotThrowAnyException();
    }
}
