package io.memshift.reembedder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.EmbeddingModel;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * One 429 is recorded once, in the profile's rate-limit pause, when it arrives; everything that calls the provider
 * with that key reads the same record. No Kafka here: a stub provider that only ever answers 429.
 */
@Tag("fast")
class RateLimitPauseSharedTest {

    @Test
    void a429HoldsBackEveryModelOfTheProfileWithoutAskingTheProviderAgain() throws IOException {
        try (Throttling provider = new Throttling("30")) {
            ModelProfile profile = profile(provider);
            try (ResilientEmbedder embedder = new ResilientEmbedder(profile.factory().get(), profile, new ReembedMetrics())) {
                assertThat(embedder.rateLimited()).isFalse();
                ResilientEmbedder.Outcome outcome = embedder.embed(List.of("a", "b"), Duration.ofSeconds(10));
                assertThat(ModelFailures.classify(outcome.transientFailure())).isEqualTo(ModelFailures.Kind.RATE_LIMITED);
                assertThat(embedder.rateLimited()).isTrue();
                assertThat(embedder.rateLimitRemaining()).isBetween(Duration.ofSeconds(25), Duration.ofSeconds(30));
            }
            assertThat(provider.requests.get()).isEqualTo(1);

            // Another model of the same profile (same key): refused at once, the wait still the provider's.
            EmbeddingModel another = profile.factory().get();
            assertThatThrownBy(() -> another.embedAll(List.of(TextSegment.from("c")))).satisfies(e -> {
                assertThat(ModelFailures.classify(e)).isEqualTo(ModelFailures.Kind.RATE_LIMITED);
                assertThat(ModelFailures.retryAfter(e).orElseThrow()).isGreaterThan(Duration.ofSeconds(25));
            });
            assertThat(provider.requests.get()).as("the provider was not asked again").isEqualTo(1);

            // A profile of its own (another key) is not held back.
            ModelProfile other = profile(provider);
            assertThat(other.rateLimit().active()).isFalse();
        }
    }

    @Test
    void a429WithoutRetryAfterPausesForASecond() throws IOException {
        try (Throttling provider = new Throttling(null)) {
            ModelProfile profile = profile(provider);
            assertThatThrownBy(() -> profile.factory().get().embedAll(List.of(TextSegment.from("a"))));
            assertThat(profile.rateLimit().remaining())
                    .isGreaterThan(Duration.ZERO).isLessThanOrEqualTo(ProviderHttpClient.PAUSE_WITHOUT_RETRY_AFTER);
        }
    }

    private static ModelProfile profile(Throttling provider) {
        return EmbeddingModels.profile("openai:text-embedding-3-small", Map.of("OPENAI_API_KEY", "sk-test-1",
                "MEMSHIFT_OPENAI_BASE_URL", provider.url()));
    }

    /** Answers every embeddings request 429, with that Retry-After (or none). */
    private static final class Throttling implements AutoCloseable {
        final AtomicInteger requests = new AtomicInteger();
        private final HttpServer server;

        Throttling(String retryAfter) throws IOException {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            server.createContext("/v1/embeddings", exchange -> {
                requests.incrementAndGet();
                if (retryAfter != null) {
                    exchange.getResponseHeaders().set("Retry-After", retryAfter);
                }
                OpenAiMock.reply(exchange, 429, "{\"error\":{\"message\":\"Rate limit reached\",\"code\":\"rate_limit_exceeded\"}}");
            });
            server.start();
        }

        String url() {
            return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }
}
