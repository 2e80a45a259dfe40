package io.memshift.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.memshift.embedded.EmbeddedStackExtension;
import io.memshift.embedded.StackEndpoints;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A command run as a service (here `ingest`) stopped by SIGTERM, as systemd or Kubernetes stop it, closes its stage
 * and exits 0: a clean stop, not a failure (it exited 143, which marks a systemd unit failed).
 */
@ExtendWith(EmbeddedStackExtension.class)
class ServiceStopTest {

    @TempDir
    Path work;

    @Test
    void sigtermStopsAServiceCleanlyWithExitCode0(StackEndpoints stack) throws Exception {
        Path log = work.resolve("ingest.log");
        Process ingest = new ProcessBuilder(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
                "-Dmemshift.home=" + System.getProperty("memshift.home"),
                "-Dmemshift.logdir=" + work.resolve("logs"),
                "-cp", System.getProperty("java.class.path"), "io.memshift.cli.Memshift",
                "ingest", "--pipeline", "service-stop", "--port", "0",
                "--bootstrap-servers", stack.bootstrapServers(), "--schema-registry", stack.schemaRegistryUrl(),
                "--es", stack.elasticsearchUrl(), "--data-dir", work.resolve("data").toString()))
                .redirectErrorStream(true).redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        try {
            Instant deadline = Instant.now().plus(Duration.ofMinutes(2));
            while (!Files.readString(log).contains("Ingesting on http://")) {
                assertThat(ingest.isAlive()).as("ingest ended early:%n%s", Files.readString(log)).isTrue();
                assertThat(Instant.now()).as("ingest never started:%n%s", Files.readString(log)).isBefore(deadline);
                Thread.sleep(200);
            }
        } finally {
            ingest.destroy(); // SIGTERM
        }
        assertThat(ingest.waitFor(60, TimeUnit.SECONDS)).as("stopped on SIGTERM").isTrue();
        String output = Files.readString(log);
        assertThat(ingest.exitValue()).as("exit code after SIGTERM; output:%n%s", output).isZero();
        assertThat(output).contains("ingest stopped: 0 events published, 0 requests refused")
                // A pipeline nothing was exported to is said to be new: a mistyped --pipeline would go unnoticed.
                .contains("Warning: pipeline service-stop is new: nothing was exported to it yet and its log"
                        + " memories.service-stop does not exist (it is created now)");
    }
}
