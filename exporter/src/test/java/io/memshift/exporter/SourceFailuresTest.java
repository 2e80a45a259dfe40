package io.memshift.exporter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.memshift.clients.Backoff;
import io.memshift.clients.KafkaSettings;
import io.memshift.schemas.SchemaRegistryClient;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * "Cannot read the source" and "the source holds bad records" are two failures with two exit codes: a network
 * blip must not be reported as bad input, nor bad input as an outage. No Kafka, registry or Elasticsearch here:
 * the sources are a closed port and a stub server, and a refused file is refused before any cluster is asked.
 */
@Tag("fast")
class SourceFailuresTest {

    /** The sources' schedule, without its waits: the attempts are counted, not timed. */
    private static final Backoff NO_WAIT = SourceRetries.SERVER_ERRORS.withTime(Clock.systemUTC(), wait -> { }, () -> 0);

    @TempDir
    Path dir;

    @Test
    void aMem0StoreOnAClosedPortIsUnavailableNotInvalid() throws IOException {
        String url = "http://127.0.0.1:" + closedPort() + "/mem0";
        Mem0ElasticsearchReader reader = new Mem0ElasticsearchReader(url);
        assertThatThrownBy(() -> reader.forEach(m -> { }))
                .isInstanceOf(SourceUnavailableException.class)
                .isNotInstanceOf(InvalidSourceException.class)
                .hasMessageStartingWith("cannot read source " + url + ": cannot reach Elasticsearch at http://127.0.0.1:")
                .satisfies(e -> assertThat(((SourceUnavailableException) e).source()).isEqualTo(url))
                .message().doesNotContain("nothing was published");
    }

    @Test
    void aMem0StoreAnsweringWithAServerErrorIsUnavailableAndTheStatusIsNamed() throws IOException {
        try (Stub es = new Stub(503, "{\"error\":\"master_not_discovered_exception\"}")) {
            Mem0ElasticsearchReader reader = new Mem0ElasticsearchReader(es.url() + "/mem0");
            assertThatThrownBy(() -> reader.forEach(m -> { }))
                    .isInstanceOf(SourceUnavailableException.class)
                    .hasMessageContaining("Elasticsearch answered POST /mem0/_pit?keep_alive=5m with 503")
                    .hasMessageContaining("master_not_discovered_exception");
        }
    }

    @Test
    void aMem0StoreWithoutTheIndexIsAWrongSourceNotAnOutage() throws IOException {
        try (Stub es = new Stub(404, "{\"error\":{\"type\":\"index_not_found_exception\"},\"status\":404}")) {
            Mem0ElasticsearchReader reader = new Mem0ElasticsearchReader(es.url() + "/mem0");
            assertThatThrownBy(() -> reader.forEach(m -> { }))
                    .isInstanceOf(InvalidSourceException.class)
                    .hasMessageContaining("Elasticsearch at " + es.url() + " has no index 'mem0'");
        }
    }

    @Test
    void theMem0ApiOnAClosedPortIsTriedSixTimesThenUnavailable() throws IOException {
        String url = "http://127.0.0.1:" + closedPort();
        Mem0ApiReader reader = new Mem0ApiReader(new Mem0ApiClient(url, "m0-key-123", NO_WAIT), List.of());
        assertThatThrownBy(() -> reader.forEach(m -> { }))
                .isInstanceOf(SourceUnavailableException.class)
                .hasMessageStartingWith("cannot read source " + url + ": GET " + url + "/v1/entities/ failed 6 times")
                .hasMessageContaining("cannot reach the Mem0 API")
                .message().doesNotContain("m0-key-123");
    }

    @Test
    void theMem0ApiAnswering500IsRetriedAsScheduledThenUnavailable() throws IOException {
        try (Stub api = new Stub(500, "{\"detail\":\"internal\"}")) {
            Mem0ApiReader reader = new Mem0ApiReader(new Mem0ApiClient(api.url(), "m0-key-123", NO_WAIT), List.of());
            assertThatThrownBy(() -> reader.forEach(m -> { }))
                    .isInstanceOf(SourceUnavailableException.class)
                    .hasMessageContaining("answered 500");
            assertThat(api.requests.get()).isEqualTo(SourceRetries.MAX_ATTEMPTS);
        }
    }

    @Test
    void aBadFileIsRefusedBeforeAnyClusterIsAskedAndSaysNothingWasPublished() throws IOException {
        Path file = dir.resolve("cut.json");
        Files.writeString(file, "{\"results\": [{\"id\": \"a\", \"memory\": \"x\"}, {\"id\": ", StandardCharsets.UTF_8);
        // Clusters on closed ports: validation must fail before any of them is needed.
        String nowhere = "127.0.0.1:" + closedPort();
        Exporter exporter = new Exporter(KafkaSettings.of(nowhere), new SchemaRegistryClient("http://" + nowhere), 3);
        assertThatThrownBy(() -> exporter.export(new Mem0ExportReader(file),
                new MemoryEventConverter("mem0-json", "cut.json", 1000), ExportProgress.NONE))
                .isInstanceOf(InvalidSourceException.class)
                .hasMessageStartingWith("invalid source " + file + ": nothing was published")
                .hasMessageContaining("cut.json:1");
    }

    @Test
    void theRefusalItselfClaimsNothingAboutPublishing() {
        InvalidSourceException refused = new InvalidSourceException("s.jsonl", List.of("s.jsonl:3: bad"), 2);
        assertThat(refused).hasMessage("invalid source s.jsonl:\n  s.jsonl:3: bad\n  ... and 2 more problems");
        InvalidSourceException said = refused.beforeAnythingWasPublished();
        assertThat(said).hasMessage("invalid source s.jsonl: nothing was published\n  s.jsonl:3: bad\n  ... and 2 more problems")
                .hasCause(refused);
        assertThat(said.problems()).isEqualTo(refused.problems());
    }

    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** Answers every request with one status and body, counting them. */
    private static final class Stub implements AutoCloseable {
        final AtomicInteger requests = new AtomicInteger();
        private final HttpServer server;

        Stub(int status, String body) throws IOException {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.createContext("/", exchange -> {
                requests.incrementAndGet();
                byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().add("Content-Type", "application/json");
                exchange.sendResponseHeaders(status, bytes.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(bytes);
                }
            });
            server.start();
        }

        String url() {
            return "http://127.0.0.1:" + server.getAddress().getPort();
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }
}
