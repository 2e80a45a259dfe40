package io.memshift.reembedder;

import dev.langchain4j.exception.HttpException;
import dev.langchain4j.http.client.HttpClient;
import dev.langchain4j.http.client.HttpClientBuilder;
import dev.langchain4j.http.client.HttpRequest;
import dev.langchain4j.http.client.SuccessfulHttpResponse;
import dev.langchain4j.http.client.sse.ServerSentEventListener;
import dev.langchain4j.http.client.sse.ServerSentEventParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The HTTP client memshift gives LangChain4j's remote embedding models. LangChain4j's own clients turn a non-2xx
 * answer into an {@link HttpException} with the status and body only, so the {@code Retry-After} of a 429 is lost
 * and LangChain4j retries blindly. This one throws a {@link ProviderHttpException} that keeps the wait the provider
 * asked for, and the models are built with {@code maxRetries(0)}: the re-embedder decides when to try again
 * (see {@link ResilientEmbedder}), so a rate limit never blocks a stream thread past its transaction timeout.
 */
final class ProviderHttpClient implements HttpClient {

    private static final Duration LONGEST_WAIT = Duration.ofMinutes(2);
    /** The longest a call waits here for an earlier Retry-After; a longer wait is left to the stage's backoff. */
    private static final long LONGEST_BLOCKING_WAIT_MS = 5_000;

    private final java.net.http.HttpClient http;
    private final Duration readTimeout;
    /**
     * Set by a 429's Retry-After: no request leaves before it. Some LangChain4j clients (Gemini's) retry on their
     * own whatever maxRetries says; this keeps even their retries to the wait the provider asked for.
     */
    private volatile long notBeforeMs;

    private ProviderHttpClient(Duration connectTimeout, Duration readTimeout) {
        this.http = java.net.http.HttpClient.newBuilder().connectTimeout(connectTimeout).build();
        this.readTimeout = readTimeout;
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
        long wait = notBeforeMs - System.currentTimeMillis();
        if (wait > LONGEST_BLOCKING_WAIT_MS) {
            // Still throttled for long: answer as the provider would, without asking it, and without blocking.
            throw new ProviderHttpException(429, "still within the provider's Retry-After", Duration.ofMillis(wait));
        }
        if (wait > 0) {
            try {
                Thread.sleep(wait);
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
        if (response.statusCode() / 100 != 2) {
            Duration retryAfter = retryAfter(response).orElse(null);
            if (response.statusCode() == 429 && retryAfter != null) {
                notBeforeMs = Math.max(notBeforeMs, System.currentTimeMillis() + retryAfter.toMillis());
            }
            throw new ProviderHttpException(response.statusCode(), response.body(), retryAfter);
        }
        return SuccessfulHttpResponse.builder().statusCode(response.statusCode()).headers(headers).body(response.body()).build();
    }

    @Override
    public void execute(HttpRequest request, ServerSentEventParser parser, ServerSentEventListener listener) {
        throw new UnsupportedOperationException("embedding calls do not stream");
    }

    /** {@code retry-after-ms} (OpenAI), else {@code Retry-After} in seconds or as an HTTP date. */
    static Optional<Duration> retryAfter(HttpResponse<?> response) {
        Optional<String> millis = response.headers().firstValue("retry-after-ms");
        if (millis.isPresent()) {
            try {
                return Optional.of(cap(Duration.ofMillis((long) Double.parseDouble(millis.get().trim()))));
            } catch (NumberFormatException ignored) {
                // fall through to Retry-After
            }
        }
        return response.headers().firstValue("retry-after").flatMap(ProviderHttpClient::parseRetryAfter);
    }

    static Optional<Duration> parseRetryAfter(String header) {
        String value = header.trim();
        try {
            return Optional.of(cap(Duration.ofMillis((long) (Double.parseDouble(value) * 1000))));
        } catch (NumberFormatException notSeconds) {
            try {
                Instant at = ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
                return Optional.of(cap(Duration.between(Instant.now(), at)));
            } catch (DateTimeParseException notADate) {
                return Optional.empty();
            }
        }
    }

    private static Duration cap(Duration wait) {
        if (wait.isNegative()) {
            return Duration.ZERO;
        }
        return wait.compareTo(LONGEST_WAIT) > 0 ? LONGEST_WAIT : wait;
    }

    /** What LangChain4j's model builders take. */
    static final class Builder implements HttpClientBuilder {
        private Duration connectTimeout = Duration.ofSeconds(10);
        private Duration readTimeout = Duration.ofSeconds(30);

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
            return new ProviderHttpClient(connectTimeout, readTimeout);
        }
    }
}
