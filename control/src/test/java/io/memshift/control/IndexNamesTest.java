package io.memshift.control;

import static org.assertj.core.api.Assertions.assertThat;

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
    void anotherPipelinesDefaultIndexIsNamedByItsTopic() {
        assertThat(IndexNames.defaultIndex("memories", "onnx:bge-small-en-v15")).isEqualTo("memories-onnx-bge-small-en-v15-1");
        assertThat(IndexNames.defaultIndex("Support.Memories", "onnx:bge-small-en-v15"))
                .isEqualTo("support.memories-onnx-bge-small-en-v15-1");
    }
}
