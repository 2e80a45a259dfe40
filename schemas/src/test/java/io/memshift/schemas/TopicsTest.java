package io.memshift.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("fast")
class TopicsTest {

    private static final String MODEL = "onnx:bge-small-en-v15";

    @Test
    void everyGenerationNameTheBuilderMakesParsesBack() {
        for (String input : new String[] {Topics.MEMORIES, "tenant-a.memories"}) {
            for (int generation = 1; generation <= 12; generation++) {
                String topic = Topics.embeddedTopicName(input, MODEL, generation);
                assertThat(Topics.embeddedTopicGeneration(topic, input, MODEL)).as(topic).hasValue(generation);
            }
        }
        assertThat(Topics.embeddedTopicGeneration("memories.embedded.onnx-bge-small-en-v15.g123456", Topics.MEMORIES,
                MODEL)).hasValue(123456);
    }

    @Test
    void namesOfOtherModelsInputsOrShapesAreNotGenerations() {
        String memories = Topics.MEMORIES;
        // A model whose slug starts with this one's is another model.
        assertThat(Topics.embeddedTopicGeneration("memories.embedded.onnx-bge-small-en-v15-q", memories, MODEL)).isEmpty();
        assertThat(Topics.embeddedTopicGeneration("memories.embedded.onnx-bge-small-en-v15-q.g2", memories, MODEL)).isEmpty();
        // Another input topic's output is not this one's.
        assertThat(Topics.embeddedTopicGeneration("other.embedded.onnx-bge-small-en-v15", memories, MODEL)).isEmpty();
        assertThat(Topics.embeddedTopicGeneration("memories.embedded.onnx-bge-small-en-v15", "other", MODEL)).isEmpty();
        // Shapes the builder never makes.
        for (String suffix : new String[] {".g", ".g1", ".g0", ".g02", ".gx", ".g2x", ".g99999999999", ".dlq"}) {
            assertThat(Topics.embeddedTopicGeneration("memories.embedded.onnx-bge-small-en-v15" + suffix, memories, MODEL))
                    .as(suffix).isEmpty();
        }
        assertThat(Topics.embeddedTopicGeneration("memories", memories, MODEL)).isEmpty();
    }
}
