package io.memshift.reembedder;

import dev.langchain4j.exception.HttpException;
import dev.langchain4j.http.client.HttpClient;
import dev.langchain4j.http.client.HttpClientBuilder;
import dev.langchain4j.http.client.HttpRequest;
import dev.langchain4j.http.client.SuccessfulHttpResponse;
import dev.langchain4j.http.client.sse.ServerSentEventListener;
import dev.langchain4j.http.client.sse.ServerSentEventParser;
import io.memshift.clients.RateLimitPause;
import io.memshift.clients.RetryAfter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The HTTP client memshift gives LangChain4j's remote embedding models. LangChain4j's own clients turn a non-2xx
 * answer into an {@link HttpException} with the status and body only, so the {@code Retry-After} of a 429 is lost
 * and LangChain4j retries blindly. This one throws a {@link ProviderHttpException} that keeps the wait the provider
 * asked for, and the models are built with {@code maxRetries(0)}: the re-embedder decides when to try again
 * (see {@link ResilientEmbedder}), so a rate limit never blocks a stream thread past its transaction timeout.
 *
 * <p>It is also where a 429 is recorded, in the profile's {@link RateLimitPause}: the moment it arrives, for every
 * request of the provider's key. That is the one record of a rate limit; the re-embedder's tasks read it before
 * they flush. No request leaves here while that Retry-After holds; the re-embedder's own pacing
 * ({@link RateLimitPause#holdFor}) holds back new requests before they get here, never one it granted.
 */
final class ProviderHttpClient implements HttpClient {

    private static final Duration LONGEST_WAIT = Duration.ofMinutes(2);
    /** A 429 that names no wait pauses this long; one that asks for none, at least {@link #SHORTEST_PAUSE}. */
    static final Duration PAUSE_WITHOUT_RETRY_AFTER = Duration.ofSeconds(1);
    static final Duration SHORTEST_PAUSE = Duration.ofMillis(100);
    /** The longest a call waits here for an earlier Retry-After; a longer wait is left to the stage. */
    private static final long LONGEST_BLOCKING_WAIT_MS = 5_000;

    private final java.net.http.HttpClient http;
    private final Duration readTimeout;
    /**
     * No request leaves before the provider's Retry-After recorded in it ends. Some LangChain4j clients (Gemini's)
     * retry on their own whatever maxRetries says; this keeps even their retries to the wait the provider asked for.
     */
    private final RateLimitPause rateLimit;

    private ProviderHttpClient(Duration connectTimeout, Duration readTimeout, RateLimitPause rateLimit) {
        this.http = java.net.http.HttpClient.newBuilder().connectTimeout(connectTimeout).build();
        this.readTimeout = readTimeout;
        this.rateLimit = rateLimit;
    }

    /** A non-2xx answer, with the wait the provider asked for when it said one. */
    static final class ProviderHttpException extends HttpException {
        private final Duration retryAfter;

        ProviderHttpException(int status, String body, Duration retryAfter) {
            super(status, body);
            this.retryAfter = retryAfter;
        }

        Optional<Duration> retryAfter() {
            return Optional.ofNullable(retryAfter);
        }
    }

    @Override
    public SuccessfulHttpResponse execute(HttpRequest request) {
        // The provider's Retry-After only: a request the re-embedder's pacing has granted goes (see RateLimitPause).
        Duration wait = rateLimit.retryAfterRemaining();
        if (wait.toMillis() > LONGEST_BLOCKING_WAIT_MS) {
            // Still throttled for long: answer as the provider would, without asking it, and without blocking.
            throw new ProviderHttpException(429, "still within the provider's Retry-After", wait);
        }
        if (!wait.isZero()) {
            try {
                Thread.sleep(wait.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting out a rate limit", e);
            }
        }
        java.net.http.HttpRequest.Builder builder = java.net.http.HttpRequest.newBuilder(URI.create(request.url()))
                .timeout(readTimeout)
                .method(request.method().name(), request.body() == null
                        ? java.net.http.HttpRequest.BodyPublishers.noBody()
                        : java.net.http.HttpRequest.BodyPublishers.ofString(request.body(), StandardCharsets.UTF_8));
        request.headers().forEach((name, values) -> {
            if (!name.equalsIgnoreCase("Content-Length") && !name.equalsIgnoreCase("Host")) {
                values.forEach(value -> builder.header(name, value));
            }
        });
        HttpResponse<String> response;
        try {
            response = http.send(builder.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (HttpTimeoutException e) {
            throw new UncheckedIOException("no answer within " + readTimeout.toSeconds() + " s", e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while calling the model", e);
        }
        Map<String, List<String>> headers = response.headers().map();
        // Where the key's per-minute limits stand (OpenAI's x-ratelimit-*): the re-embedder paces by it.
        rateLimit.budget().observe(response.headers());
        if (response.statusCode() / 100 != 2) {
            Duration retryAfter = RetryAfter.of(response.headers(), LONGEST_WAIT).orElse(null);
            if (response.statusCode() == 429) {
                Duration pause = retryAfter == null ? PAUSE_WITHOUT_RETRY_AFTER : retryAfter;
                rateLimit.extend(pause.compareTo(SHORTEST_PAUSE) < 0 ? SHORTEST_PAUSE : pause);
            }
            throw new ProviderHttpException(response.statusCode(), response.body(), retryAfter);
        }
        return SuccessfulHttpResponse.builder().statusCode(response.statusCode()).headers(headers).body(response.body()).build();
    }

    @Override
    public void execute(HttpRequest request, ServerSentEventParser parser, ServerSentEventListener listener) {
        throw new UnsupportedOperationException("embedding calls do not stream");
    }

    /** What LangChain4j's model builders take. */
    static final class Builder implements HttpClientBuilder {
        private final RateLimitPause rateLimit;
        private Duration connectTimeout = Duration.ofSeconds(10);
        private Duration readTimeout = Duration.ofSeconds(30);

        /** @param rateLimit where this provider's 429s are recorded and honoured */
        Builder(RateLimitPause rateLimit) {
            this.rateLimit = rateLimit;
        }

        @Override
        public Duration connectTimeout() {
            return connectTimeout;
        }

        @Override
        public HttpClientBuilder connectTimeout(Duration timeout) {
            if (timeout != null) {
                this.connectTimeout = timeout;
            }
            return this;
        }

        @Override
        public Duration readTimeout() {
            return readTimeout;
        }

        @Override
        public HttpClientBuilder readTimeout(Duration timeout) {
            if (timeout != null) {
                this.readTimeout = timeout;
            }
            return this;
        }

        @Override
        public HttpClient build() {
            return new ProviderHttpClient(connectTimeout, readTimeout, rateLimit);
        }
    }
}
