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
        try (Provider provider = throttling("30")) {
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
        try (Provider provider = throttling(null)) {
            ModelProfile profile = profile(provider);
            assertThatThrownBy(() -> profile.factory().get().embedAll(List.of(TextSegment.from("a"))));
            assertThat(profile.rateLimit().remaining())
                    .isGreaterThan(Duration.ZERO).isLessThanOrEqualTo(ProviderHttpClient.PAUSE_WITHOUT_RETRY_AFTER);
        }
    }

    @Test
    void pacingHoldsBackTheNextRequestsButTheOneItGrantedStillReachesTheProvider() throws IOException {
        try (Provider provider = metered()) {
            ModelProfile profile = profile(provider);
            ReembedMetrics metrics = new ReembedMetrics();
            try (ResilientEmbedder embedder = new ResilientEmbedder(profile.factory().get(), profile, metrics)) {
                // The first answer names the limit: 600 tokens a minute (10 a second), 200 of them left.
                assertThat(embedder.embed(List.of(text(0)), Duration.ofSeconds(10)).vectors()[0]).isNotNull();
                int concurrency = embedder.concurrency();
                assertThat(concurrency).isGreaterThan(1);

                // A wave of requests of 16 texts (8 tokens each): the budget grants the first; the next must wait
                // about 7 s for its tokens, which holds the instance back, but not the request already granted.
                List<String> texts = java.util.stream.IntStream.range(1, 1 + 16 * concurrency)
                        .mapToObj(RateLimitPauseSharedTest::text).toList();
                ResilientEmbedder.Outcome outcome = embedder.embed(texts, Duration.ofSeconds(10));
                assertThat(outcome.transientFailure()).as("paced, not refused").isNull();
                assertThat(java.util.Arrays.stream(outcome.vectors()).filter(java.util.Objects::nonNull).count())
                        .as("the granted request's texts").isEqualTo(16);
                assertThat(provider.requests.get()).as("the granted request reached the provider").isEqualTo(2);
                assertThat(embedder.rateLimited()).as("new requests wait for their tokens").isTrue();
                assertThat(embedder.rateLimitRemaining()).isBetween(Duration.ofSeconds(5), Duration.ofSeconds(9));
                assertThat(profile.rateLimit().retryAfterRemaining()).as("the provider asked for no pause").isZero();
                assertThat(embedder.concurrency()).as("pacing is no rate limit").isEqualTo(concurrency);
                assertThat(outcome.paced()).isTrue();
                assertThat(metrics.pacedFlushes()).as("one paced flush, however many requests waited").isEqualTo(1);
            }
        }
    }

    /** Texts of the same length, which the provider below counts as 8 tokens each. */
    private static String text(int i) {
        return String.format("memory %04d: the user prefers Python", i);
    }

    private static ModelProfile profile(Provider provider) {
        return EmbeddingModels.profile("openai:text-embedding-3-small", Map.of("OPENAI_API_KEY", "sk-test-1",
                "MEMSHIFT_OPENAI_BASE_URL", provider.url()));
    }

    /**
     * Answers every request 200, each text 8 tokens, with OpenAI's x-ratelimit-* headers: 600 tokens a minute, of
     * which 200 are left after the first request, and less each request's tokens after that.
     */
    private static Provider metered() throws IOException {
        java.util.concurrent.atomic.AtomicLong left = new java.util.concurrent.atomic.AtomicLong(208);
        return new Provider(exchange -> {
            com.fasterxml.jackson.databind.JsonNode input = new com.fasterxml.jackson.databind.ObjectMapper()
                    .readTree(exchange.getRequestBody()).path("input");
            StringBuilder data = new StringBuilder();
            for (int i = 0; i < input.size(); i++) {
                data.append(i == 0 ? "" : ",").append("{\"object\":\"embedding\",\"index\":").append(i)
                        .append(",\"embedding\":[").append("0.5,".repeat(1535)).append("0.5]}");
            }
            long tokens = 8L * input.size();
            var headers = exchange.getResponseHeaders();
            headers.set("x-ratelimit-limit-requests", "3000");
            headers.set("x-ratelimit-remaining-requests", "2999");
            headers.set("x-ratelimit-limit-tokens", "600");
            headers.set("x-ratelimit-remaining-tokens", Long.toString(Math.max(0, left.addAndGet(-tokens))));
            OpenAiMock.reply(exchange, 200, "{\"object\":\"list\",\"data\":[" + data + "],\"model\":"
                    + "\"text-embedding-3-small\",\"usage\":{\"prompt_tokens\":" + tokens + ",\"total_tokens\":"
                    + tokens + "}}");
        });
    }

    /** Answers every embeddings request 429, with that Retry-After (or none). */
    private static Provider throttling(String retryAfter) throws IOException {
        return new Provider(exchange -> {
            if (retryAfter != null) {
                exchange.getResponseHeaders().set("Retry-After", retryAfter);
            }
            OpenAiMock.reply(exchange, 429, "{\"error\":{\"message\":\"Rate limit reached\",\"code\":\"rate_limit_exceeded\"}}");
        });
    }

    /** A provider on a port of its own that answers {@code /v1/embeddings} as told, and counts the requests. */
    private static final class Provider implements AutoCloseable {
        final AtomicInteger requests = new AtomicInteger();
        private final HttpServer server;

        Provider(com.sun.net.httpserver.HttpHandler answer) throws IOException {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            server.setExecutor(java.util.concurrent.Executors.newFixedThreadPool(4));
            server.createContext("/v1/embeddings", exchange -> {
                requests.incrementAndGet();
                answer.handle(exchange);
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
