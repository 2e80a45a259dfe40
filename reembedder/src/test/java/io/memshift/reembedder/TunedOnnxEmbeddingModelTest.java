package io.memshift.reembedder;

import static org.assertj.core.api.Assertions.assertThat;

import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.EmbeddingModel;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The tuned in-process model must give the stock LangChain4j model's vectors, text for text, in order. */
class TunedOnnxEmbeddingModelTest {

    @ParameterizedTest
    @ValueSource(strings = {"onnx:all-minilm-l6-v2", "onnx:bge-small-en-v15", "onnx:all-minilm-l6-v2-q", "onnx:bge-small-zh-v15-q"})
    void givesTheStockModelsVectorsInInputOrder(String id) {
        List<TextSegment> texts = new ArrayList<>();
        texts.add(TextSegment.from("User prefers Python"));
        texts.add(TextSegment.from("Lives in Lisbon and works remotely for a Berlin company"));
        texts.add(TextSegment.from("用户喜欢喝绿茶"));
        texts.add(TextSegment.from("x"));
        // Longer than the model's 512-token window: the encoder splits it and averages, in both models alike.
        texts.add(TextSegment.from("The user keeps a detailed travel journal. ".repeat(120)));
        for (int i = 0; i < 25; i++) {
            texts.add(TextSegment.from("Memory number " + i + " about topic " + (i * 7 % 11)));
        }
        ModelProfile profile = EmbeddingModels.profile(id);
        EmbeddingModel tuned = profile.factory().get();
        EmbeddingModel stock = EmbeddingModels.stock(id);
        assertThat(tuned).isInstanceOf(TunedOnnxEmbeddingModel.class);
        assertThat(tuned.dimension()).isEqualTo(profile.dims());

        List<Embedding> ours = tuned.embedAll(texts).content();
        List<Embedding> theirs = stock.embedAll(texts).content();

        assertThat(ours).hasSize(texts.size());
        for (int i = 0; i < texts.size(); i++) {
            assertThat(ours.get(i).dimension()).isEqualTo(profile.dims());
            assertThat(Vectors.cosine(ours.get(i).vector(), theirs.get(i).vector()))
                    .as("cosine of text %d", i).isGreaterThanOrEqualTo(0.9999);
        }
        // Distinct texts must not collapse onto one vector (a mix-up of the order would show here too).
        assertThat(Vectors.cosine(ours.get(0).vector(), ours.get(1).vector())).isLessThan(0.99);
    }
}
