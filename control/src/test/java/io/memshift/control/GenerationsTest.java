package io.memshift.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.memshift.clients.KafkaSettings;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("fast")
class GenerationsTest {

    private static final String MODEL = "onnx:bge-small-en-v15";

    @Test
    void theLatestGenerationIsTheHighestOutputTopicOfThisInputAndModel() {
        Set<String> topics = Set.of("memories", "memories.embedded.onnx-bge-small-en-v15",
                "memories.embedded.onnx-bge-small-en-v15.g2", "memories.embedded.onnx-bge-small-en-v15.g10",
                // other models, other inputs: not ours
                "memories.embedded.onnx-bge-small-en-v15-q.g40", "tenant.embedded.onnx-bge-small-en-v15.g30",
                "memories.dlq.onnx-bge-small-en-v15");
        assertThat(Generations.latest(topics, "memories", MODEL)).isEqualTo(10);
        assertThat(Generations.latest(topics, "tenant", MODEL)).isEqualTo(30);
        assertThat(Generations.latest(Set.of("memories"), "memories", MODEL)).isZero();
    }

    @Test
    void anExplicitGenerationOrTheFirstNeedsNoListing() {
        // No cluster is reachable here: neither choice may ask one.
        Clusters nowhere = new Clusters(KafkaSettings.of("127.0.0.1:1"), "http://127.0.0.1:1", "http://127.0.0.1:1");
        assertThat(Generations.choose(nowhere, "memories", MODEL, false, 7)).isEqualTo(7);
        assertThat(Generations.choose(nowhere, "memories", MODEL, false, null)).isEqualTo(1);
    }

    @Test
    void replayAndAnExplicitGenerationExcludeEachOther() {
        Clusters nowhere = new Clusters(KafkaSettings.of("127.0.0.1:1"), "http://127.0.0.1:1", "http://127.0.0.1:1");
        assertThatThrownBy(() -> Generations.choose(nowhere, "memories", MODEL, true, 3))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("--replay")
                .hasMessageContaining("--generation");
    }
}
