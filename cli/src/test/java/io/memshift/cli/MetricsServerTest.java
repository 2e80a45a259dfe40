package io.memshift.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("fast")
class MetricsServerTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @Test
    void servesTheCommandsMetersAndTheJvmsInPrometheusTextFormat() throws Exception {
        try (MetricsServer server = new MetricsServer("127.0.0.1", 0)) {
            server.registry().counter("memshift.import.records", "index", "idx").increment(42);

            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + server.port() + "/metrics")).GET().build(),
                    HttpResponse.BodyHandlers.ofString());

            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.headers().firstValue("Content-Type")).contains(MetricsServer.CONTENT_TYPE);
            assertThat(response.body())
                    .contains("# TYPE memshift_import_records_total counter")
                    .contains("memshift_import_records_total{index=\"idx\"} 42.0")
                    .contains("jvm_memory_used_bytes")
                    .contains("process_cpu_usage")
                    .contains("process_uptime_seconds");

            HttpResponse<String> post = HTTP.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + server.port() + "/metrics"))
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(post.statusCode()).isEqualTo(405);
        }
    }
}
