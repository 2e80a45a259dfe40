package io.memshift.reembedder;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.InputStream;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The plan's token counts: the model's own tokenizer where memshift has it, an estimate that says so elsewhere. */
@Tag("fast")
class TokenCounterTest {

    @Test
    void anInProcessModelCountsItsOwnWordPiecesWithClsAndSep() throws Exception {
        TokenCounter counter = EmbeddingModels.tokenCounter("onnx:bge-small-en-v15");
        assertThat(counter.exact()).isTrue();
        assertThat(counter.method()).contains("bge-small-en-v1.5-tokenizer.json");
        try (InputStream in = getClass().getClassLoader().getResourceAsStream("bge-small-en-v1.5-tokenizer.json")) {
            HuggingFaceTokenizer tokenizer = HuggingFaceTokenizer.newInstance(in, Map.of("padding", "false"));
            String text = "Prefers aisle seats on flights longer than 6 hours; allergic to peanuts.";
            long pieces = tokenizer.encode(text).getIds().length;
            assertThat(counter.count(text)).isEqualTo(pieces);
            // [CLS] + "hello" + [SEP]
            assertThat(counter.count("hello")).isEqualTo(3);
        }
    }

    @Test
    void aLongTextCountsWhatTheTokenizerKeeps() {
        // The tokenizers truncate, as they do for the re-embedder: bge's at 512 pieces (one window of 510 between
        // [CLS] and [SEP]), all-MiniLM's at 128. The model reads no more, and that is what counts.
        String text = "word ".repeat(600).strip();
        TokenCounter bge = EmbeddingModels.tokenCounter("onnx:bge-small-en-v15");
        assertThat(bge.count(text)).isEqualTo(512);
        assertThat(bge.method()).endsWith("it reads at most 512 of a text");
        TokenCounter miniLm = EmbeddingModels.tokenCounter("onnx:all-minilm-l6-v2");
        assertThat(miniLm.count(text)).isEqualTo(128);
        assertThat(miniLm.method()).endsWith("it reads at most 128 of a text");
    }

    @Test
    void openAisModelsCountWithOpenAisTokenizer() {
        TokenCounter counter = EmbeddingModels.tokenCounter("openai:text-embedding-3-small");
        assertThat(counter.exact()).isTrue();
        assertThat(counter.method()).contains("cl100k_base");
        assertThat(counter.count("hello world")).isEqualTo(2);
        assertThat(counter.count("Prefers Python for ML experiments.")).isEqualTo(7);
    }

    @Test
    void otherModelsAreEstimatedAtOneTokenPerFourBytes() {
        for (String model : new String[] {"gemini:gemini-embedding-001", "ollama:nomic-embed-text", "openai:my-own-model"}) {
            TokenCounter counter = EmbeddingModels.tokenCounter(model);
            assertThat(counter.exact()).as(model).isFalse();
            assertThat(counter.method()).as(model).startsWith("estimate");
        }
        TokenCounter estimate = TokenCounter.ESTIMATE;
        assertThat(estimate.count("abcd")).isEqualTo(1);
        assertThat(estimate.count("abcde")).isEqualTo(2);
        assertThat(estimate.count("喜欢寿司")).isEqualTo(3); // 4 characters of 3 bytes each
    }

    @Test
    void aRemoteModelIsDescribedWithoutItsKeyButCannotBeBuilt() {
        ModelProfile profile = EmbeddingModels.describe("openai:text-embedding-3-large", Map.of());
        assertThat(profile.dims()).isEqualTo(3072);
        assertThat(profile.limits().maxInputs()).isEqualTo(2048);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> profile.factory().get())
                .hasMessageContaining("OPENAI_API_KEY");
    }
}
