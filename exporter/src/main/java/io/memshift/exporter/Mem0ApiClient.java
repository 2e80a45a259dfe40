package io.memshift.exporter;

import com.fasterxml.jackson.databind.JsonNode;
import io.memshift.clients.Backoff;
import io.memshift.clients.RetryAfter;
import io.memshift.schemas.Json;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Mem0's hosted REST API ({@code https://api.mem0.ai}), the few calls an export needs. Authenticates with
 * {@code Authorization: Token <key>}; the key never appears in a message or a log line.
 *
 * <p>Rate limits are part of normal operation, not an error: a 429 is waited out for as long as its
 * {@code Retry-After} says (seconds or an HTTP date; 5 s when absent), for up to {@link #MAX_THROTTLED} in all per
 * request. 5xx answers and broken connections are retried as {@link SourceRetries} says. A 401/403 fails at once: waiting does not fix a wrong key. Whatever ends a call
 * without an answer is a {@link Mem0ApiException}, a {@link SourceUnavailableException} naming the API.
 */
public final class Mem0ApiClient {

    /** Mem0's own name for the key (its Python and TypeScript clients read it too). */
    public static final String API_KEY_ENV = "MEM0_API_KEY";
    static final Duration MAX_THROTTLED = Duration.ofMinutes(30);
    private static final Duration DEFAULT_RETRY_AFTER = Duration.ofSeconds(5);
    private static final Duration MAX_SINGLE_WAIT = Duration.ofMinutes(5);
    private static final Logger LOG = LoggerFactory.getLogger(Mem0ApiClient.class);

    private final String baseUrl;
    private final String apiKey;
    private final Backoff serverErrors;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private volatile long throttledWaits;

    /** @param baseUrl e.g. {@code https://api.mem0.ai}; a trailing slash is dropped */
    public Mem0ApiClient(String baseUrl, String apiKey) {
        this(baseUrl, apiKey, SourceRetries.SERVER_ERRORS);
    }

    /** With another backoff between attempts (tests: the same schedule on a clock that does not wait). */
    Mem0ApiClient(String baseUrl, String apiKey, Backoff serverErrors) {
        if (!baseUrl.startsWith("http://") && !baseUrl.startsWith("https://")) {
            throw new IllegalArgumentException("mem0-api source must be an http(s) URL, e.g. mem0-api:https://api.mem0.ai;"
                    + " got '" + baseUrl + "'");
        }
        if (apiKey == null || apiKey.isBlank()) {
            throw new IllegalArgumentException("the Mem0 API needs a key: set the environment variable " + API_KEY_ENV);
        }
        this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.apiKey = apiKey;
        this.serverErrors = serverErrors;
    }

    /** Reads the key from {@value #API_KEY_ENV} of {@code env}. */
    public static Mem0ApiClient fromEnv(String baseUrl, Map<String, String> env) {
        return new Mem0ApiClient(baseUrl, env.get(API_KEY_ENV));
    }

    public String baseUrl() {
        return baseUrl;
    }

    /** How many times a 429 made this client wait. */
    public long throttledWaits() {
        return throttledWaits;
    }

    /** {@code GET /v1/memories/<id>/}: the full memory, or empty if Mem0 no longer has it (404). */
    public Optional<JsonNode> memory(String id) {
        return send("GET", "/v1/memories/" + encode(id) + "/", null, true);
    }

    public JsonNode get(String pathAndQuery) {
        return send("GET", pathAndQuery, null, false).orElseThrow();
    }

    public JsonNode post(String pathAndQuery, JsonNode body) {
        return send("POST", pathAndQuery, body, false).orElseThrow();
    }

    static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    private Optional<JsonNode> send(String method, String pathAndQuery, JsonNode body, boolean notFoundIsEmpty) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl + pathAndQuery))
                .timeout(Duration.ofMinutes(2))
                .header("Authorization", "Token " + apiKey)
                .header("Accept", "application/json")
                .header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body.toString()))
                .build();
        String call = method + " " + baseUrl + pathAndQuery;
        Duration throttled = Duration.ZERO;
        Backoff.Attempts failures = serverErrors.start();
        while (true) {
            HttpResponse<String> response;
            try {
                response = http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            } catch (IOException e) {
                retryOrFail(call, failures, "cannot reach the Mem0 API: " + e);
                continue;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new Mem0ApiException(baseUrl, call + " was interrupted");
            }
            int status = response.statusCode();
            if (status / 100 == 2) {
                try {
                    return Optional.of(Json.MAPPER.readTree(response.body()));
                } catch (IOException e) {
                    throw new Mem0ApiException(baseUrl, call + " answered " + status + " with a body that is not JSON: "
                            + abbreviate(response.body()));
                }
            }
            if (status == 404 && notFoundIsEmpty) {
                return Optional.empty();
            }
            if (status == 429) {
                Duration wait = retryAfter(response.headers().firstValue("Retry-After").orElse(null));
                throttled = throttled.plus(wait);
                if (throttled.compareTo(MAX_THROTTLED) > 0) {
                    throw new Mem0ApiException(baseUrl, call + " is still rate-limited (429) after "
                            + MAX_THROTTLED.toMinutes() + " minutes of waiting");
                }
                throttledWaits++;
                LOG.info("Mem0 API rate limit (429) on {}: waiting {} ms as Retry-After asks", call, wait.toMillis());
                sleep(wait);
                continue;
            }
            if (status == 401 || status == 403) {
                throw new Mem0ApiException(baseUrl, call + " was refused (" + status + "): check the key in "
                        + API_KEY_ENV + " and its project's permissions", status);
            }
            if (status / 100 == 5 || status == 408) {
                retryOrFail(call, failures, "answered " + status + ": " + abbreviate(response.body()));
                continue;
            }
            throw new Mem0ApiException(baseUrl, call + " answered " + status + ": " + abbreviate(response.body()), status);
        }
    }

    private void retryOrFail(String call, Backoff.Attempts failures, String problem) {
        SourceRetries.retryOrGiveUp(failures, call, problem, LOG, message -> new Mem0ApiException(baseUrl, message));
    }

    /** The wait a 429 asks for: its Retry-After, at most 5 minutes at a time; 5 s when it names none. */
    static Duration retryAfter(String header) {
        return RetryAfter.parse(header, MAX_SINGLE_WAIT).orElse(DEFAULT_RETRY_AFTER);
    }

    private void sleep(Duration wait) {
        try {
            Thread.sleep(wait.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Mem0ApiException(baseUrl, "interrupted while waiting for the Mem0 API");
        }
    }

    private static String abbreviate(String text) {
        return text == null ? "" : text.length() <= 300 ? text : text.substring(0, 300) + "...";
    }

    /** The Mem0 API could not be read; the message names the API and the call, never the key. */
    public static final class Mem0ApiException extends SourceUnavailableException {
        private final int status;

        public Mem0ApiException(String baseUrl, String problem) {
            this(baseUrl, problem, 0);
        }

        public Mem0ApiException(String baseUrl, String problem, int status) {
            super(baseUrl, problem);
            this.status = status;
        }

        /** The HTTP status that ended the call, or 0 if it did not end with one. */
        public int status() {
            return status;
        }
    }
}
