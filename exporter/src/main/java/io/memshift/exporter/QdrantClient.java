package io.memshift.exporter;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.memshift.clients.Backoff;
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
 * Qdrant's REST API (port 6333), the two read calls an export needs: {@code GET /collections/{c}} and
 * {@code POST /collections/{c}/points/scroll}. With a key (Qdrant Cloud, or a server with {@code service.api_key})
 * every request carries the header {@code api-key}; the key never appears in a message or a log line.
 *
 * <p>5xx answers, 408/429 and broken connections are retried as {@link SourceRetries} says. A 401/403 fails at
 * once: waiting does not fix a wrong key. Whatever ends a call without an answer is a {@link QdrantException}, a
 * {@link SourceUnavailableException} naming the server.
 */
public final class QdrantClient {

    /** The name Qdrant's own clients and docs use for the key. */
    public static final String API_KEY_ENV = "QDRANT_API_KEY";
    private static final Logger LOG = LoggerFactory.getLogger(QdrantClient.class);

    private final String baseUrl;
    private final String apiKey;
    private final Backoff serverErrors;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    /**
     * @param baseUrl e.g. {@code http://localhost:6333}; a trailing slash is dropped
     * @param apiKey  the key, or null/blank for a server without authentication
     */
    public QdrantClient(String baseUrl, String apiKey) {
        this(baseUrl, apiKey, SourceRetries.SERVER_ERRORS);
    }

    /** With another backoff between attempts (tests: the same schedule on a clock that does not wait). */
    QdrantClient(String baseUrl, String apiKey, Backoff serverErrors) {
        if (!baseUrl.startsWith("http://") && !baseUrl.startsWith("https://")) {
            throw new IllegalArgumentException("a Qdrant URL must start with http:// or https://, got '" + baseUrl + "'");
        }
        this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.apiKey = apiKey == null || apiKey.isBlank() ? null : apiKey;
        this.serverErrors = serverErrors;
    }

    /** Reads the key, if any, from {@value #API_KEY_ENV} of {@code env}. */
    public static QdrantClient fromEnv(String baseUrl, Map<String, String> env) {
        return new QdrantClient(baseUrl, env.get(API_KEY_ENV));
    }

    public String baseUrl() {
        return baseUrl;
    }

    /** One page of a scroll: the points in id order, and the id to start the next page at (null after the last). */
    public record ScrollPage(JsonNode points, JsonNode nextOffset) {
    }

    /** {@code GET /collections/{name}}: the collection's info ({@code result}), or empty if it does not exist. */
    public Optional<JsonNode> collection(String name) {
        return send("GET", "/collections/" + encode(name), null, true).map(answer -> answer.path("result"));
    }

    /**
     * {@code POST /collections/{name}/points/scroll} with payloads and without vectors.
     *
     * @param offset the point id to start at (a page's {@code next_page_offset}), or null for the first page
     */
    public ScrollPage scroll(String name, int limit, JsonNode offset) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("limit", limit);
        if (offset != null) {
            body.set("offset", offset);
        }
        body.put("with_payload", true);
        body.put("with_vector", false);
        String path = "/collections/" + encode(name) + "/points/scroll";
        JsonNode result = send("POST", path, body, false).orElseThrow().path("result");
        JsonNode points = result.path("points");
        if (!points.isArray()) {
            throw new QdrantException(baseUrl, "POST " + baseUrl + path + " answered without a result.points list: "
                    + abbreviate(result.toString()), 0);
        }
        JsonNode next = result.path("next_page_offset");
        return new ScrollPage(points, next.isMissingNode() || next.isNull() ? null : next);
    }

    private Optional<JsonNode> send(String method, String path, JsonNode body, boolean notFoundIsEmpty) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(baseUrl + path))
                .timeout(Duration.ofMinutes(2))
                .header("Accept", "application/json")
                .header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body.toString()));
        if (apiKey != null) {
            builder.header("api-key", apiKey);
        }
        HttpRequest request = builder.build();
        String call = method + " " + baseUrl + path;
        Backoff.Attempts failures = serverErrors.start();
        while (true) {
            HttpResponse<String> response;
            try {
                response = http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            } catch (IOException e) {
                retryOrFail(call, failures, "cannot reach Qdrant: " + e);
                continue;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new QdrantException(baseUrl, call + " was interrupted", 0);
            }
            int status = response.statusCode();
            if (status / 100 == 2) {
                try {
                    return Optional.of(Json.MAPPER.readTree(response.body()));
                } catch (IOException e) {
                    throw new QdrantException(baseUrl, call + " answered " + status + " with a body that is not JSON: "
                            + abbreviate(response.body()), status);
                }
            }
            if (status == 404 && notFoundIsEmpty) {
                return Optional.empty();
            }
            if (status == 401 || status == 403) {
                throw new QdrantException(baseUrl, call + " was refused (" + status + ": " + abbreviate(response.body())
                        + "): " + (apiKey == null ? "the server wants a key; set " + API_KEY_ENV
                        : "check the key in " + API_KEY_ENV), status);
            }
            if (status / 100 == 5 || status == 408 || status == 429) {
                retryOrFail(call, failures, "answered " + status + ": " + abbreviate(response.body()));
                continue;
            }
            throw new QdrantException(baseUrl, call + " answered " + status + ": " + abbreviate(response.body()), status);
        }
    }

    private void retryOrFail(String call, Backoff.Attempts failures, String problem) {
        SourceRetries.retryOrGiveUp(failures, call, problem, LOG, message -> new QdrantException(baseUrl, message, 0));
    }

    private static String encode(String segment) {
        return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** Shortened, and with the key blotted out should a server ever echo it. */
    private String abbreviate(String text) {
        if (text == null) {
            return "";
        }
        String safe = apiKey == null ? text : text.replace(apiKey, "***");
        return safe.length() <= 300 ? safe : safe.substring(0, 300) + "...";
    }

    /** Qdrant could not be read; the message names the server and the call, never the key. */
    public static final class QdrantException extends SourceUnavailableException {
        private final int status;

        public QdrantException(String baseUrl, String problem, int status) {
            super(baseUrl, problem);
            this.status = status;
        }

        /** The HTTP status that ended the call, or 0 if it did not end with one. */
        public int status() {
            return status;
        }
    }
}
