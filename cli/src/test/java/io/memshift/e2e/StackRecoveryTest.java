package io.memshift.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.memshift.embedded.EmbeddedStack;
import io.memshift.embedded.StackPorts;
import io.memshift.embedded.StackServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A stack of the test's own, on free ports, losing its broker to {@code kill -9} while {@code import} runs:
 * the command stops naming the broker and the next commands; {@code stack up} then starts the broker alone,
 * and {@code stack restart registry} restarts the registry alone.
 */
class StackRecoveryTest {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @TempDir
    Path dataDir;

    @Test
    void aKilledBrokerIsNamedWithTheNextCommandsAndStackUpStartsItAlone() throws Exception {
        StackPorts ports = StackPorts.free();
        Path stackDir = dataDir.resolve("stack");
        Cli.Result up = stack("up", "--kafka-port", Integer.toString(ports.kafka()),
                "--kafka-controller-port", Integer.toString(ports.kafkaController()),
                "--registry-port", Integer.toString(ports.schemaRegistry()),
                "--es-port", Integer.toString(ports.elasticsearch()));
        try {
            assertThat(up.exitCode()).as(up.out() + up.err()).isZero();
            EmbeddedStack before = EmbeddedStack.recorded(stackDir).orElseThrow();

            // The importer of an index whose topic never fills: it runs until the broker goes away.
            CompletableFuture<Cli.Result> importing = CompletableFuture.supplyAsync(() -> Cli.run("import",
                    "--data-dir", dataDir.toString(), "--model", "onnx:all-minilm-l6-v2-q",
                    "--topic", "stack-recovery-never-filled", "--index", "stack-recovery", "--until-caught-up"));
            String index = before.endpoints().elasticsearchUrl() + "/stack-recovery";
            awaitTrue(() -> httpStatus(index) == 200 || importing.isDone(), Duration.ofMinutes(2));
            assertThat(importing).as("the importer runs").isNotDone();

            ProcessHandle.of(before.process(StackServer.KAFKA).pid()).orElseThrow().destroyForcibly();

            Cli.Result stopped = importing.get(3, TimeUnit.MINUTES);
            System.out.println("import after kill -9 of the broker:\n" + stopped.err());
            assertThat(stopped.exitCode()).as(stopped.out() + stopped.err()).isEqualTo(1);
            assertThat(stopped.err())
                    .contains("the importer stopped: the Kafka broker at " + before.endpoints().bootstrapServers()
                            + " is not answering")
                    .contains("next: run `./memshift stack status`, then `./memshift stack up` (it starts only what is down);"
                            + " then run `./memshift import` again with the same options: it resumes exactly where it stopped.");

            Cli.Result down = stack("status");
            assertThat(down.exitCode()).isEqualTo(1);
            assertThat(down.out()).containsPattern("Kafka broker\\s+DOWN").contains("./memshift stack up");

            Cli.Result repaired = stack("up");
            System.out.println("stack up:\n" + repaired.out());
            assertThat(repaired.exitCode()).as(repaired.out() + repaired.err()).isZero();
            assertThat(repaired.out()).contains("Kafka broker ready")
                    .contains("schema registry already running (pid " + before.process(StackServer.REGISTRY).pid() + ")")
                    .contains("Elasticsearch node already running (pid "
                            + before.process(StackServer.ELASTICSEARCH).pid() + ")")
                    .doesNotContain("already in use");
            EmbeddedStack after = EmbeddedStack.recorded(stackDir).orElseThrow();
            assertThat(after.process(StackServer.KAFKA).pid()).isNotEqualTo(before.process(StackServer.KAFKA).pid());
            assertThat(after.process(StackServer.REGISTRY).pid()).isEqualTo(before.process(StackServer.REGISTRY).pid());
            assertThat(after.process(StackServer.ELASTICSEARCH).pid())
                    .isEqualTo(before.process(StackServer.ELASTICSEARCH).pid());
            assertThat(after.endpoints()).isEqualTo(before.endpoints());
            assertThat(stack("status").exitCode()).isZero();

            Cli.Result restarted = stack("restart", "registry");
            assertThat(restarted.exitCode()).as(restarted.out() + restarted.err()).isZero();
            EmbeddedStack last = EmbeddedStack.recorded(stackDir).orElseThrow();
            assertThat(last.process(StackServer.REGISTRY).pid()).isNotEqualTo(before.process(StackServer.REGISTRY).pid());
            assertThat(last.process(StackServer.KAFKA).pid()).isEqualTo(after.process(StackServer.KAFKA).pid());
            assertThat(last.process(StackServer.ELASTICSEARCH).pid())
                    .isEqualTo(before.process(StackServer.ELASTICSEARCH).pid());
            assertThat(last.isHealthy()).isTrue();

            assertThat(stack("restart", "zookeeper").exitCode()).isEqualTo(2);
        } finally {
            stack("down");
        }
    }

    private Cli.Result stack(String... args) {
        String[] all = new String[args.length + 3];
        all[0] = "stack";
        all[1] = args[0];
        all[2] = "--data-dir";
        all[3] = dataDir.toString();
        System.arraycopy(args, 1, all, 4, args.length - 1);
        return Cli.run(all);
    }

    private static int httpStatus(String url) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2)).GET().build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (Exception e) {
            return -1;
        }
    }

    private static void awaitTrue(java.util.function.BooleanSupplier condition, Duration timeout) throws InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        while (!condition.getAsBoolean()) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("not within " + timeout);
            }
            Thread.sleep(250);
        }
    }
}
