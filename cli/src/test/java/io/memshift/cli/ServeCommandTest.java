package io.memshift.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.memshift.reembedder.EmbeddingModels;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code memshift serve}'s command line, without serving anything. */
class ServeCommandTest {

    private record Run(int exitCode, String out, String err) {
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine commandLine = Memshift.commandLine();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        return new Run(commandLine.execute(args), out.toString(), err.toString());
    }

    @Test
    void helpExitsZeroAndListsEveryInProcessModelAndTheRemoteFamilies() {
        Run help = run("serve", "--help");

        assertThat(help.exitCode()).as(help.err()).isZero();
        for (String id : EmbeddingModels.ids()) {
            assertThat(help.out()).as("serve --help names " + id).contains(id);
        }
        assertThat(help.out()).contains("openai:<model>", "ollama:<model>", "gemini:<model>", "POST /v1/embeddings",
                "--port", "--host");
    }

    @Test
    void anUnknownModelOrABadPortIsBadInputNamingIt() {
        Run unknown = run("serve", "--model", "onnx:no-such-model");
        assertThat(unknown.exitCode()).isEqualTo(Memshift.EXIT_BAD_INPUT);
        assertThat(unknown.err()).contains("unknown model 'onnx:no-such-model'");

        Run port = run("serve", "--model", "onnx:all-minilm-l6-v2", "--port", "70000");
        assertThat(port.exitCode()).isEqualTo(Memshift.EXIT_BAD_INPUT);
        assertThat(port.err()).contains("--port must be between 0 and 65535, was 70000");
    }
}
