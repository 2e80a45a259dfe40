package io.memshift.reembedder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.EmbeddingModel;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A quantized model batched with per-text quantization gives each text its own vector, where the same batches run
 * on the model as it comes do not.
 */
class PerTextQuantizationTest {

    /** Texts of very different lengths, so that every batch pads, and the quantization ranges differ. */
    private static List<TextSegment> texts() {
        List<TextSegment> texts = new ArrayList<>();
        texts.add(TextSegment.from("x"));
        texts.add(TextSegment.from("User prefers Python"));
        texts.add(TextSegment.from("用户喜欢喝绿茶, 每天早上七点起床, 周末去爬山"));
        texts.add(TextSegment.from("Lives in Lisbon and works remotely for a Berlin company that builds payment"
                + " terminals; asked twice about the tax rules for remote work across the EU"));
        for (int i = 0; i < 40; i++) {
            texts.add(TextSegment.from("Memory " + i + ": " + "likes topic " + (i * 7 % 11) + " ".repeat(i % 3)
                    + "and more detail ".repeat(i % 9)));
        }
        return texts;
    }

    @ParameterizedTest
    @ValueSource(strings = {"onnx:all-minilm-l6-v2-q", "onnx:bge-small-zh-v15-q"})
    void batchesGiveEachTextTheVectorItGetsAlone(String id) {
        TunedOnnxEmbeddingModel.OnnxFiles files = EmbeddingModels.onnxFiles(id);
        int dims = EmbeddingModels.profile(id).dims();
        List<TextSegment> texts = texts();
        List<Embedding> alone = EmbeddingModels.stock(id).embedAll(texts).content();
        EmbeddingModel perText = EmbeddingModels.perTextQuantized(id).orElseThrow();
        EmbeddingModel naive = TunedOnnxEmbeddingModel.load(files, dims, 2, 64, 256);

        List<Embedding> batched = perText.embedAll(texts).content();
        List<Embedding> naivelyBatched = naive.embedAll(texts).content();

        double lowestNaive = 1;
        for (int i = 0; i < texts.size(); i++) {
            assertThat(Vectors.cosine(batched.get(i).vector(), alone.get(i).vector()))
                    .as("cosine of text %d to the text alone", i).isGreaterThanOrEqualTo(0.9999);
            lowestNaive = Math.min(lowestNaive, Vectors.cosine(naivelyBatched.get(i).vector(), alone.get(i).vector()));
        }
        // The problem the rewrite solves is real on these texts: the model as it comes, batched, drifts.
        assertThat(lowestNaive).isLessThan(0.9999);
    }

    @Test
    void refusesAModelWithoutDynamicQuantization() throws IOException {
        byte[] model;
        try (InputStream in = getClass().getClassLoader().getResourceAsStream("all-minilm-l6-v2.onnx")) {
            model = in.readAllBytes();
        }
        assertThatThrownBy(() -> PerTextQuantization.rewrite(model))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a dynamically quantized model");
        assertThatThrownBy(() -> PerTextQuantization.rewrite(new byte[]{0x08, (byte) 0x80}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not an ONNX model");
        assertThatThrownBy(() -> PerTextQuantization.rewrite(new byte[]{0x08, 0x07}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no graph");
        // opset_import {version: 13}: the rewrite's operators are written as opsets 11 and 12 define them.
        assertThatThrownBy(() -> PerTextQuantization.rewrite(new byte[]{0x42, 0x02, 0x10, 0x0d}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("opset 13");
    }

    @Test
    void onlyQuantizedModelsHaveAPerTextVariant() {
        assertThat(EmbeddingModels.perTextQuantized("onnx:all-minilm-l6-v2")).isEmpty();
        assertThat(EmbeddingModels.perTextQuantized("stub:8")).isEmpty();
    }
}
