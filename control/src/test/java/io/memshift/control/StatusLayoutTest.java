package io.memshift.control;

import static org.assertj.core.api.Assertions.assertThat;

import io.memshift.control.StatusReader.Layout;
import io.memshift.control.StatusReader.Layout.Output;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("fast")
class StatusLayoutTest {

    @Test
    void pipelinesAndGenerationsAreReadFromTheTopicNamesTheBuilderMakes() {
        Set<String> topics = Set.of("memories", "memories.embedded.onnx-bge-small-en-v15",
                "memories.embedded.onnx-bge-small-en-v15.g2", "memories.embedded.onnx-e5-small-v2",
                "support.embedded.onnx-e5-small-v2", "support", "memories.dlq.onnx-e5-small-v2",
                "memshift-reembed-onnx-e5-small-v2-pending-embeddings-changelog", "memshift.export-checkpoints");

        Layout layout = Layout.of(topics, List.of(), null);

        assertThat(layout.inputs()).containsExactly("memories", "support");
        assertThat(layout.outputs("memories")).containsExactly(
                new Output("memories.embedded.onnx-bge-small-en-v15", "onnx-bge-small-en-v15", 1),
                new Output("memories.embedded.onnx-bge-small-en-v15.g2", "onnx-bge-small-en-v15", 2),
                new Output("memories.embedded.onnx-e5-small-v2", "onnx-e5-small-v2", 1));
        assertThat(layout.outputs("support")).containsExactly(
                new Output("support.embedded.onnx-e5-small-v2", "onnx-e5-small-v2", 1));
    }

    @Test
    void onePipelineIsAskedFor() {
        Layout layout = Layout.of(Set.of("memories.embedded.m", "support.embedded.m"), List.of(), "support");
        assertThat(layout.inputs()).containsExactly("support");
        Layout absent = Layout.of(Set.of("memories.embedded.m"), List.of(), "nothing-yet");
        assertThat(absent.inputs()).containsExactly("nothing-yet");
        assertThat(absent.outputs("nothing-yet")).isEmpty();
    }

    @Test
    void aGenerationSuffixIsTwoOrMoreWithoutLeadingZeroAndTheRestIsTheModel() {
        assertThat(Layout.parse("memories.embedded.")).isEmpty();
        assertThat(Layout.parse(".embedded.m")).isEmpty();
        assertThat(Layout.parse("memories.embedded.m.g3")).contains(
                new Layout.Parsed("memories", new Output("memories.embedded.m.g3", "m", 3)));
        assertThat(Layout.parse("memories.embedded.m.g02")).contains(
                new Layout.Parsed("memories", new Output("memories.embedded.m.g02", "m.g02", 1)));
        assertThat(Layout.parse("a.embedded.b.embedded.m")).contains(
                new Layout.Parsed("a.embedded.b", new Output("a.embedded.b.embedded.m", "m", 1)));
    }
}
