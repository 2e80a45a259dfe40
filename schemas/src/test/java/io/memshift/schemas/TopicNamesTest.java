package io.memshift.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Topic names and settings are part of what users see (and what a running pipeline already holds): they must not
 * drift. No server.
 */
@Tag("fast")
class TopicNamesTest {

    private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();

    @Test
    void namesOfEveryTopicOfThePipeline() {
        assertThat(Topics.memories(registry).name()).isEqualTo("memories");
        assertThat(Topics.embeddedTopicName("onnx:bge-small-en-v15")).isEqualTo("memories.embedded.onnx-bge-small-en-v15");
        assertThat(Topics.embeddedTopicName("onnx:bge-small-en-v15", 1)).isEqualTo("memories.embedded.onnx-bge-small-en-v15");
        assertThat(Topics.embeddedTopicName("onnx:bge-small-en-v15", 3)).isEqualTo("memories.embedded.onnx-bge-small-en-v15.g3");
        assertThat(Topics.embeddedTopicName("memories", "openai:text-embedding-3-small", 2))
                .isEqualTo("memories.embedded.openai-text-embedding-3-small.g2");
        assertThat(Topics.embeddedTopicName("team-a", "ollama:nomic-embed-text:v1.5", 1))
                .isEqualTo("team-a.embedded.ollama-nomic-embed-text-v1.5");
        assertThat(Topics.embedDeadLetters("gemini:gemini-embedding-001", registry).name())
                .isEqualTo("memories.dlq.gemini-gemini-embedding-001");
        assertThat(Topics.importDeadLetters("memories-onnx-x-1", registry).name())
                .isEqualTo("memories.import-dlq.memories-onnx-x-1");
        assertThat(Topics.REJECTED).isEqualTo("memories.rejected");
        assertThat(Topics.EXPORT_CHECKPOINTS).isEqualTo("memshift.export-checkpoints");
    }

    @Test
    void memoryTopicsAreCompactedAndDeadLettersAreNot() {
        Map<String, String> compacted = Map.of("cleanup.policy", "compact");
        assertThat(Topics.memoriesTopic(3)).isEqualTo(new Topics.TopicSpec("memories", 3, compacted));
        assertThat(Topics.embeddedTopic("onnx:x", 2, 3))
                .isEqualTo(new Topics.TopicSpec("memories.embedded.onnx-x.g2", 3, compacted));
        assertThat(Topics.exportCheckpointsTopic()).isEqualTo(new Topics.TopicSpec("memshift.export-checkpoints", 1, compacted));
        assertThat(Topics.embedDeadLetterTopic("onnx:x", 3).config()).isEmpty();
        assertThat(Topics.importDlqTopic("idx", 3).config()).isEmpty();
    }

    @Test
    void aModelIdWithNothingUsableIsRefusedByName() {
        assertThat(Topics.modelSlug("OpenAI:Text Embedding/3")).isEqualTo("openai-text-embedding-3");
        assertThatThrownBy(() -> Topics.modelSlug(":/:")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("':/:'");
    }

    @Test
    void everyTopicIsKeyedByTheMemoryIdAsUtf8() {
        byte[] key = Topics.memories(registry).keySerde().serializer().serialize("memories", "mém-1");
        assertThat(key).isEqualTo("mém-1".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertThat(Topics.embedded("e", registry).keySerde().deserializer().deserialize("e", key)).isEqualTo("mém-1");
    }
}
