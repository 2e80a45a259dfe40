package io.memshift.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The exit code tells a script what to do next: 2, fix the input; 3, the source could not be read (try again
 * later, or check its address and key). Every cluster here is a closed port: the source fails first.
 */
@Tag("fast")
class ExitCodesTest {

    @TempDir
    Path dir;

    @Test
    void anUnreachableSourceExitsWith3AndNamesIt() throws IOException {
        String source = "http://127.0.0.1:" + closedPort() + "/mem0";
        Run run = export("mem0-es:" + source);
        assertThat(run.exitCode).isEqualTo(Memshift.EXIT_SOURCE_UNAVAILABLE).isEqualTo(3);
        assertThat(run.err).startsWith("memshift: error: cannot read source " + source + ": cannot reach Elasticsearch")
                .doesNotContain("nothing was published");
    }

    @Test
    void aBadRecordExitsWith2AndSaysNothingWasPublished() throws IOException {
        Path file = dir.resolve("bad.jsonl");
        Files.writeString(file, "{\"id\": \"a\", \"memory\": \"fine\"}\n{\"id\": \"b\"}\n", StandardCharsets.UTF_8);
        Run run = export("jsonl:" + file);
        assertThat(run.exitCode).isEqualTo(Memshift.EXIT_BAD_INPUT);
        assertThat(run.err).contains("invalid source " + file + ": nothing was published")
                .contains("bad.jsonl:2: memory id=b: field 'memory' is missing");
    }

    private Run export(String source) throws IOException {
        String nowhere = "127.0.0.1:" + closedPort();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = Memshift.commandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int code = cli.execute("export", "--source", source, "--data-dir", dir.resolve("data").toString(),
                "--bootstrap-servers", nowhere, "--schema-registry", "http://" + nowhere, "--es", "http://" + nowhere);
        return new Run(code, err.toString());
    }

    private record Run(int exitCode, String err) {
    }

    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
