package io.memshift.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.memshift.cli.Memshift;
import io.memshift.embedded.StackEndpoints;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;

/** Runs the memshift command in this JVM against the test stack, capturing what it prints. */
final class Cli {

    record Result(int exitCode, String out, String err) {
    }

    private Cli() {
    }

    static Result migrate(StackEndpoints stack, Path dataDir, String... args) {
        List<String> all = new ArrayList<>(List.of("migrate",
                "--bootstrap-servers", stack.bootstrapServers(),
                "--schema-registry", stack.schemaRegistryUrl(),
                "--es", stack.elasticsearchUrl(),
                "--data-dir", dataDir.toString()));
        all.addAll(List.of(args));
        return run(all.toArray(String[]::new));
    }

    /**
     * Runs {@code command} with {@code args} against the test stack (its Kafka, registry and Elasticsearch, the given
     * data dir), as a service would, and asserts it exits 0, with what it printed if not.
     */
    static Result succeeds(StackEndpoints stack, Path dataDir, String command, String... args) {
        List<String> all = new ArrayList<>(List.of(command));
        all.addAll(List.of(args));
        all.addAll(List.of("--bootstrap-servers", stack.bootstrapServers(), "--schema-registry", stack.schemaRegistryUrl(),
                "--es", stack.elasticsearchUrl(), "--data-dir", dataDir.toString()));
        Result result = run(all.toArray(String[]::new));
        assertThat(result.exitCode()).as(command + ": " + result.out() + result.err()).isZero();
        return result;
    }

    static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine commandLine = Memshift.commandLine();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        int code = commandLine.execute(args);
        return new Result(code, out.toString(), err.toString());
    }

    static Path sample() {
        return Path.of(System.getProperty("memshift.home"), "samples", "mem0-export.json");
    }
}
