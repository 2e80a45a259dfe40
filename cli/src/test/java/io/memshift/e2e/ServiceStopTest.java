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
        String output = runUntilSigterm(stack, "ingest", "Ingesting on http://",
                "ingest", "--pipeline", "service-stop", "--port", "0");
        assertThat(output).contains("ingest stopped: 0 events published, 0 requests refused")
                // A pipeline nothing was exported to is said to be new: a mistyped --pipeline would go unnoticed.
                .contains("Warning: pipeline service-stop is new: nothing was exported to it yet and its log"
                        + " memories.service-stop does not exist (it is created now)");
    }

    @Test
    void anImportWhoseTopicNothingFillsYetSaysWhatItWaitsForInsteadOfWaitingSilently(StackEndpoints stack)
            throws Exception {
        String output = runUntilSigterm(stack, "import", "Waiting for topic ",
                "import", "--pipeline", "service-stop-import", "--model", "stub:8", "--until-caught-up");
        assertThat(output).contains("Waiting for topic memories.service-stop-import.embedded.stub-8: nothing has"
                + " re-embedded this pipeline with this model yet (./memshift reembed --pipeline service-stop-import"
                + " --model stub:8, alongside this or before)");
    }

    /** Starts memshift with {@code args}, waits until its output holds {@code started}, stops it with SIGTERM. */
    private String runUntilSigterm(StackEndpoints stack, String name, String started, String... args) throws Exception {
        Path log = work.resolve(name + ".log");
        List<String> command = new java.util.ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
                "-Dmemshift.home=" + System.getProperty("memshift.home"),
                "-Dmemshift.logdir=" + work.resolve("logs"),
                "-cp", System.getProperty("java.class.path"), "io.memshift.cli.Memshift"));
        command.addAll(List.of(args));
        command.addAll(List.of("--bootstrap-servers", stack.bootstrapServers(), "--schema-registry",
                stack.schemaRegistryUrl(), "--es", stack.elasticsearchUrl(), "--data-dir", work.resolve("data").toString()));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        try {
            Instant deadline = Instant.now().plus(Duration.ofMinutes(2));
            while (!Files.readString(log).contains(started)) {
                assertThat(process.isAlive()).as("%s ended early:%n%s", name, Files.readString(log)).isTrue();
                assertThat(Instant.now()).as("%s never started:%n%s", name, Files.readString(log)).isBefore(deadline);
                Thread.sleep(200);
            }
        } finally {
            process.destroy(); // SIGTERM
        }
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("stopped on SIGTERM").isTrue();
        String output = Files.readString(log);
        assertThat(process.exitValue()).as("exit code after SIGTERM; output:%n%s", output).isZero();
        return output;
    }
}
