package io.memshift.exporter;

import static org.assertj.core.api.Assertions.assertThat;

import io.memshift.embedded.StackEndpoints;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/** Writes a Mem0 store the way a test needs it: one NDJSON request to the stack's Elasticsearch, every item written. */
final class StoreBulk {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private StoreBulk() {
    }

    static void send(StackEndpoints stack, String method, String path, String body) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(stack.elasticsearchUrl() + path))
                .header("Content-Type", "application/x-ndjson")
                .method(method, HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isBetween(200, 299);
        assertThat(response.body()).doesNotContain("\"errors\":true");
    }
}
