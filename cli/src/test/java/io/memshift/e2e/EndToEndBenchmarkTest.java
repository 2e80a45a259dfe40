package io.memshift.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.memshift.embedded.EmbeddedStackExtension;
import io.memshift.embedded.StackEndpoints;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bench e2e} on a few hundred memories: the whole pipeline runs and every figure is printed, the stored
 * vectors are the model's, and the bench leaves no index behind. Whether a ratio meets its target depends on the
 * machine, so the exit code is only required to be a verdict (0 or 1), never bad input.
 */
@ExtendWith(EmbeddedStackExtension.class)
class EndToEndBenchmarkTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path dataDir;

    @Test
    void withTheStubModelThePipelineRunsAgainstItsBoundAndStoresTheStubsVectors(StackEndpoints stack) throws Exception {
        Cli.Result result = bench(stack, "--model", "stub:64", "--memories", "300", "--rounds", "1");

        assertThat(result.exitCode()).as(result.out() + result.err()).isIn(0, 1);
        assertThat(result.out()).contains("300 memories", "M  tuned model alone", "E  raw _bulk", "P  whole pipeline",
                "S  re-embedder stage alone", "pipeline/bound", "stage alone/M", "first memory indexed",
                "| stub:64 | 300 |");
        assertThat(result.out()).containsPattern("vectors +1\\.000000 \\(lowest cosine to the stub's own vectors.*met");
        assertThat(benchIndices(stack)).isEmpty();
        assertNoBenchCheckpoints(stack);
    }

    @Test
    void withTheOpenAiStandInThePipelineAndTheSeedLoopRunAndThe429sAreCounted(StackEndpoints stack) throws Exception {
        // 300 memories are about 6,700 tokens: 6,000 a minute binds, and the last 700 take about 7 s.
        Cli.Result result = bench(stack, "--model", "openai:text-embedding-3-small", "--dims", "64", "--memories", "300",
                "--rounds", "1", "--seed-memories", "20", "--latency-ms", "5", "--tpm", "6000");

        assertThat(result.exitCode()).as(result.out() + result.err()).isIn(0, 1);
        assertThat(result.out()).contains("stand-in: 5 ms per request", "P  whole pipeline", "requests answered",
                "answered 429", "seed loop (1 call + 1 insert per memory)", "pipeline/bound", "pipeline/seed loop",
                "the rate limits bind", "token allowance left unused after the first request:");
        assertThat(result.out()).containsPattern("pipeline/seed loop +[0-9.]+ \\(no target: the rate limits bind\\)");
        assertThat(result.out()).containsPattern("vectors +1\\.000000 \\(lowest cosine to the stand-in's own vectors.*met");
        assertThat(benchIndices(stack)).isEmpty();
        assertNoBenchCheckpoints(stack);
    }

    private Cli.Result bench(StackEndpoints stack, String... args) {
        List<String> all = new ArrayList<>(List.of("bench", "e2e",
                "--bootstrap-servers", stack.bootstrapServers(),
                "--schema-registry", stack.schemaRegistryUrl(),
                "--es", stack.elasticsearchUrl(),
                "--data-dir", dataDir.toString()));
        all.addAll(List.of(args));
        return Cli.run(all.toArray(String[]::new));
    }

    /** Nor does the bench leave its exports' checkpoints, or `status` would list its pipelines for ever. */
    private static void assertNoBenchCheckpoints(StackEndpoints stack) {
        assertThat(io.memshift.exporter.ExportPosition.readAll(io.memshift.clients.KafkaSettings.of(stack.bootstrapServers())))
                .noneMatch(position -> position.topic().startsWith("bench.e2e."));
    }

    private static String benchIndices(StackEndpoints stack) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(
                URI.create(stack.elasticsearchUrl() + "/_cat/indices/bench-e2e-*?h=index")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        return response.body().trim();
    }
}
