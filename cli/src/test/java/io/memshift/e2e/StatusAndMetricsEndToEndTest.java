package io.memshift.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.memshift.cli.Memshift;
import io.memshift.embedded.EmbeddedStackExtension;
import io.memshift.embedded.StackEndpoints;
import java.io.BufferedWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator's view of a running migration, on a pipeline of its own: {@code status --json} polled while it
 * runs shows the re-embedder behind with a rate and an ETA, and both stages at 0 lag once it is done;
 * {@code /metrics} scraped while it runs has every meter the README documents.
 */
@ExtendWith(EmbeddedStackExtension.class)
class StatusAndMetricsEndToEndTest {

    private static final String TOPIC = "status-e2e";
    private static final String INDEX = "status-e2e-bge";
    private static final String ALIAS = "status-e2e";
    /** The full-precision model, the slowest in-process one: the re-embedder lags long enough to be watched. */
    private static final String MODEL = "onnx:bge-small-en-v15";
    private static final int MEMORIES = 3000;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /** Every meter the README's metrics table names that a migration registers (a Prometheus line prefix each). */
    private static final List<String> DOCUMENTED = List.of(
            "memshift_reembed_events_total{", "memshift_reembed_texts_total{", "memshift_reembed_batch_size_count{",
            "memshift_reembed_model_latency_seconds_count{", "memshift_reembed_model_retries_total{",
            "memshift_reembed_model_throttled_total{", "memshift_reembed_dlq_total{",
            "memshift_reembed_cache_hits_total{", "memshift_reembed_pending{", "memshift_reembed_lag{",
            "memshift_import_records_total{", "memshift_import_documents_total{",
            "memshift_import_dlq_total{", "memshift_import_retries_total{", "memshift_import_bulk_latency_seconds_count{",
            "memshift_import_bulk_size_count{", "memshift_import_lag{",
            "jvm_memory_used_bytes{", "jvm_threads_live_threads ", "jvm_gc_pause_seconds", "process_cpu_usage ",
            "process_uptime_seconds ", "system_cpu_count ");

    @TempDir
    Path dataDir;

    @Test
    void statusShowsTheLagFallingToZeroWithRatesAndAnEtaAndMetricsShowTheDocumentedMeters(StackEndpoints stack)
            throws Exception {
        Path source = writeMemories(dataDir.resolve("status-e2e.jsonl"));
        int metricsPort = freePort();
        CompletableFuture<Cli.Result> migration = CompletableFuture.supplyAsync(() -> Cli.migrate(stack, dataDir,
                "--source", "jsonl:" + source, "--model", MODEL, "--topic", TOPIC, "--index", INDEX,
                "--alias", ALIAS, "--metrics-port", Integer.toString(metricsPort)));

        List<JsonNode> lagging = new ArrayList<>();
        Set<String> metersSeen = new LinkedHashSet<>();
        String lastScrape = "";
        Instant deadline = Instant.now().plus(Duration.ofMinutes(15));
        while (!migration.isDone() && Instant.now().isBefore(deadline)) {
            String scrape = scrape(metricsPort);
            if (scrape != null) {
                lastScrape = scrape;
                DOCUMENTED.stream().filter(scrape::contains).forEach(metersSeen::add);
            }
            Cli.Result status = status(stack, "--sample-s", "2");
            JsonNode reading = JSON.readTree(status.out());
            JsonNode generation = reading.at("/pipelines/0/generations/0");
            if (!generation.isMissingNode() && generation.at("/reembedder/lag").asLong() > 0
                    && generation.at("/reembedder/rate").asDouble() > 0
                    && generation.at("/reembedder/etaSeconds").asDouble() > 0) {
                lagging.add(reading);
            }
        }
        Cli.Result migrated = migration.get(1, TimeUnit.MINUTES);
        assertThat(migrated.exitCode()).as(migrated.out() + migrated.err()).isZero();

        assertThat(lagging).as("a reading with the re-embedder behind, at a rate, with an ETA").isNotEmpty();
        JsonNode behind = lagging.get(0);
        System.out.println("A reading during the migration: " + behind);
        assertThat(behind.at("/pipelines/0/name").asText()).isEqualTo(TOPIC);
        assertThat(behind.at("/pipelines/0/generations/0/model").asText()).isEqualTo("onnx-bge-small-en-v15");
        assertThat(behind.at("/pipelines/0/generations/0/reembedder/group").asText())
                .isEqualTo("memshift-reembed-" + TOPIC + "-onnx-bge-small-en-v15");
        assertThat(behind.at("/sampleSeconds").asDouble()).isGreaterThan(1.5);
        assertThat(metersSeen).as("meters on /metrics during the migration; last scrape:\n" + lastScrape)
                .containsExactlyInAnyOrderElementsOf(DOCUMENTED);

        Cli.Result after = status(stack, "--sample-s", "1");
        assertThat(after.exitCode()).as(after.out() + after.err()).isZero();
        JsonNode done = JSON.readTree(after.out());
        assertThat(done.get("healthy").asBoolean()).as(done.toString()).isTrue();
        JsonNode pipeline = done.at("/pipelines/0");
        assertThat(pipeline.at("/endOffset").asLong()).isGreaterThanOrEqualTo(MEMORIES);
        assertThat(pipeline.at("/sources/0/position").asLong()).isEqualTo(MEMORIES);
        assertThat(pipeline.at("/sources/0/complete").asBoolean()).isTrue();
        JsonNode generation = pipeline.at("/generations/0");
        assertThat(generation.at("/topic").asText()).isEqualTo(TOPIC + ".embedded.onnx-bge-small-en-v15");
        assertThat(generation.at("/reembedder/lag").asLong()).isZero();
        assertThat(generation.at("/reembedder/etaSeconds").asDouble()).isZero();
        assertThat(generation.at("/dlq/records").asLong()).isZero();
        JsonNode index = generation.at("/indices/0");
        assertThat(index.at("/index").asText()).isEqualTo(INDEX);
        assertThat(index.at("/aliases/0").asText()).isEqualTo(ALIAS);
        assertThat(index.at("/importer/lag").asLong()).isZero();
        assertThat(index.at("/importer/etaSeconds").asDouble()).isZero();
        assertThat(index.at("/importer/committed").asLong()).isEqualTo(index.at("/importer/end").asLong());
        assertThat(index.at("/dlq/records").asLong()).as("no refusal, no dead-letter topic: 0").isZero();

        Cli.Result table = Cli.run("status", "--pipeline", TOPIC, "--sample-s", "0",
                "--bootstrap-servers", stack.bootstrapServers(), "--schema-registry", stack.schemaRegistryUrl(),
                "--es", stack.elasticsearchUrl());
        System.out.println(table.out());
        assertThat(table.exitCode()).as(table.out() + table.err()).isZero();
        assertThat(table.out()).contains("Pipeline " + TOPIC).contains("re-embedder").contains("caught up")
                .contains(INDEX).contains("alias " + ALIAS).contains("Healthy.");

        // A mistyped pipeline once showed an empty pipeline, "Healthy.", exit 0.
        Cli.Result typo = Cli.run("status", "--pipeline", TOPIC + "x", "--sample-s", "0",
                "--bootstrap-servers", stack.bootstrapServers(), "--schema-registry", stack.schemaRegistryUrl(),
                "--es", stack.elasticsearchUrl());
        assertThat(typo.exitCode()).as(typo.out() + typo.err()).isEqualTo(Memshift.EXIT_BAD_INPUT);
        assertThat(typo.err()).contains("there is no pipeline " + TOPIC + "x").contains("the pipelines there are: ");
        assertThat(typo.out()).doesNotContain("Healthy.");
    }

    private static Cli.Result status(StackEndpoints stack, String... more) {
        List<String> args = new ArrayList<>(List.of("status", "--json", "--pipeline", TOPIC,
                "--bootstrap-servers", stack.bootstrapServers(), "--schema-registry", stack.schemaRegistryUrl(),
                "--es", stack.elasticsearchUrl()));
        args.addAll(List.of(more));
        return Cli.run(args.toArray(String[]::new));
    }

    /** Distinct texts, so that neither the embedding cache nor a batch's dedup spares the model any. */
    private static Path writeMemories(Path file) throws Exception {
        String[] subjects = {"hiking", "jazz", "sourdough", "chess", "kayaking", "pottery", "astronomy", "gardening"};
        String[] verbs = {"enjoys", "is learning", "avoids", "teaches", "wants to try", "talks often about"};
        try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            for (int i = 0; i < MEMORIES; i++) {
                ObjectNode memory = JSON.createObjectNode()
                        .put("id", String.format("status-e2e-%05d", i))
                        .put("memory", "User " + (i % 37) + " " + verbs[i % verbs.length] + " "
                                + subjects[(i / verbs.length) % subjects.length] + " on day " + i
                                + " and mentioned the number " + (i * 7919 % 10007) + ".")
                        .put("user_id", "user-" + (i % 37))
                        .put("created_at", "2025-01-01T00:00:00Z")
                        .put("updated_at", "2025-02-01T00:00:00Z");
                out.write(memory.toString());
                out.newLine();
            }
        }
        return file;
    }

    /** The metrics page, or null while the endpoint is not up. */
    private static String scrape(int port) {
        try {
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/metrics")).timeout(Duration.ofSeconds(5)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 ? response.body() : null;
        } catch (Exception notYet) {
            return null;
        }
    }

    private static int freePort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
