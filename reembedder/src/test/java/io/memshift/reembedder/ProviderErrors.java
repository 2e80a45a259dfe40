package io.memshift.reembedder;

import dev.langchain4j.exception.HttpException;
import java.time.Duration;

/**
 * What a remote model throws through memshift's HTTP client ({@link ProviderHttpClient}), for test models that
 * fail the way a provider does without a server: the classification in {@link ModelFailures} sees the same types.
 */
final class ProviderErrors {

    private ProviderErrors() {
    }

    /** A 400 about the input, as OpenAI answers an input over the model's context length. */
    static HttpException inputRefused(String message) {
        return new ProviderHttpClient.ProviderHttpException(400,
                "{\"error\":{\"message\":\"" + message + "\",\"type\":\"invalid_request_error\"}}", null);
    }

    static HttpException unavailable() {
        return new ProviderHttpClient.ProviderHttpException(503, "{\"error\":\"upstream overloaded\"}", null);
    }

    static HttpException rateLimited(Duration retryAfter) {
        return new ProviderHttpClient.ProviderHttpException(429, "{\"error\":\"rate limit reached\"}", retryAfter);
    }

    /** A refused key: the body names the problem, never the key. */
    static HttpException unauthorized() {
        return new ProviderHttpClient.ProviderHttpException(401, "{\"error\":\"Incorrect API key provided\"}", null);
    }
}
