package io.memshift.reembedder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.EmbeddingModel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * ollama:<model> and gemini:<model> through LangChain4j's own clients and memshift's HTTP client, against local
 * mocks of each API's wire format: vectors in input order, provider limits kept, the 429's Retry-After seen.
 */
class RemoteProvidersTest {

    @Test
    void ollamaEmbedsThroughItsEmbedEndpointAndItsRateLimitCarriesRetryAfter() throws Exception {
        try (ProviderMock mock = new ProviderMock("unused", 768)) {
            ModelProfile profile = EmbeddingModels.profile("ollama:nomic-embed-text",
                    Map.of("MEMSHIFT_OLLAMA_BASE_URL", mock.ollamaUrl()));
            assertThat(profile.dims()).isEqualTo(768);
            assertThat(profile.fingerprint().getProvider()).isEqualTo("ollama");
            EmbeddingModel model = profile.factory().get();
            List<TextSegment> texts = texts(40);

            assertThatThrownBy(() -> model.embedAll(texts)).satisfies(e -> {
                assertThat(ModelFailures.classify(e)).isEqualTo(ModelFailures.Kind.RATE_LIMITED);
                assertThat(ModelFailures.retryAfter(e)).contains(Duration.ofSeconds(3));
            });
            assertVectors(mock, texts, model.embedAll(texts).content());
        }
    }

    @Test
    void geminiEmbedsInBatchesOfAtMost100AsRetrievalDocuments() throws Exception {
        try (ProviderMock mock = new ProviderMock("AIza-test-key", 256)) {
            ModelProfile profile = EmbeddingModels.profile("gemini:gemini-embedding-001", Map.of(
                    "GEMINI_API_KEY", "AIza-test-key", "MEMSHIFT_GEMINI_BASE_URL", mock.geminiUrl(),
                    "MEMSHIFT_GEMINI_DIMENSIONS", "256"));
            assertThat(profile.dims()).isEqualTo(256);
            assertThat(profile.fingerprint().getRevision()).isEqualTo("task=RETRIEVAL_DOCUMENT,dimensions=256");
            assertThat(profile.limits().maxInputs()).isEqualTo(100);
            EmbeddingModel model = profile.factory().get();
            List<TextSegment> texts = texts(250);

            // LangChain4j's Gemini client retries a 429 by itself, whatever maxRetries says; memshift's HTTP client
            // holds that retry back until the Retry-After (3 s) has passed.
            long start = System.nanoTime();
            assertVectors(mock, texts, model.embedAll(texts).content());
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(2_900));
            mock.geminiRequests.clear();
            // Through the re-embedder's request planning, as in the pipeline.
            try (ResilientEmbedder embedder = new ResilientEmbedder(model, profile, new ReembedMetrics())) {
                ResilientEmbedder.Outcome outcome = embedder.embed(texts.stream().map(TextSegment::text).toList(),
                        Duration.ofSeconds(30));
                assertThat(outcome.transientFailure()).isNull();
                List<Embedding> vectors = new ArrayList<>();
                for (float[] vector : outcome.vectors()) {
                    vectors.add(Embedding.from(vector));
                }
                assertVectors(mock, texts, vectors);
            }
            // Every text went out once, in requests of at most 100: at least three of them for 250 texts.
            assertThat(mock.geminiRequests).hasSizeGreaterThanOrEqualTo(3);
            assertThat(mock.geminiRequests.stream().mapToInt(request -> request.get("requests").size()).sum())
                    .isEqualTo(texts.size());
            assertThat(mock.geminiRequests).allSatisfy(request -> {
                assertThat(request.get("requests").size()).isLessThanOrEqualTo(100);
                assertThat(request.get("requests").get(0).get("taskType").asText()).isEqualTo("RETRIEVAL_DOCUMENT");
                assertThat(request.get("requests").get(0).get("outputDimensionality").asInt()).isEqualTo(256);
                assertThat(request.get("requests").get(0).get("model").asText()).isEqualTo("models/gemini-embedding-001");
            });
        }
    }

    @Test
    void aBadGeminiKeyStopsTheStageWithoutPrintingTheKey() throws Exception {
        try (ProviderMock mock = new ProviderMock("AIza-right-key", 8)) {
            ModelProfile profile = EmbeddingModels.profile("gemini:text-embedding-004", Map.of(
                    "GEMINI_API_KEY", "AIza-wrong-key", "MEMSHIFT_GEMINI_BASE_URL", mock.geminiUrl(),
                    "MEMSHIFT_GEMINI_DIMENSIONS", "8"));
            try (ResilientEmbedder embedder = new ResilientEmbedder(profile.factory().get(), profile, new ReembedMetrics())) {
                // Gemini answers a bad key with 400 INVALID_ARGUMENT for every input: that is not poison.
                assertThatThrownBy(() -> embedder.embed(texts(20).stream().map(TextSegment::text).toList(), Duration.ofSeconds(30)))
                        .isInstanceOf(ResilientEmbedder.ModelRefusedException.class)
                        .hasMessageContaining("rejected every one of 20 texts")
                        .message().doesNotContain("AIza-wrong-key");
            }
        }
        assertThatThrownBy(() -> EmbeddingModels.profile("gemini:gemini-embedding-001", Map.of()))
                .hasMessageContaining("GEMINI_API_KEY");
        assertThatThrownBy(() -> EmbeddingModels.profile("ollama:my-own-embedder", Map.of()))
                .hasMessageContaining("MEMSHIFT_OLLAMA_DIMENSIONS");
    }

    private static List<TextSegment> texts(int count) {
        List<TextSegment> texts = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            texts.add(TextSegment.from("Remote provider memory " + i + (i % 3 == 0 ? " with a longer tail of words" : "")));
        }
        return texts;
    }

    private static void assertVectors(ProviderMock mock, List<TextSegment> texts, List<Embedding> vectors) {
        assertThat(vectors).hasSize(texts.size());
        for (int i = 0; i < texts.size(); i++) {
            assertThat(vectors.get(i).vector()).as("vector %d", i).containsExactly(mock.vectorOf(texts.get(i).text()));
        }
    }
}
