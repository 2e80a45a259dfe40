package io.memshift.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.memshift.control.InvalidRequestException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/** A config file's defaults stand for the options a command has and was not given; what is typed wins. */
@Tag("fast")
class ConfigDefaultsTest {

    @TempDir
    Path dir;

    @Test
    void aDefaultFillsAMissingOptionEvenARequiredOne() throws Exception {
        Path config = config("defaults:\n  model: onnx:e5-small-v2\n  no-cutover: true\n  alias: live\n  port: 9999\n");
        String[] args = {"migrate", "--config", config.toString(), "--source", "jsonl:x.jsonl", "--alias", "typed"};

        assertThat(ConfigDefaults.missingOptions(args, spec("migrate"), root()))
                .containsExactly("--model", "onnx:e5-small-v2", "--no-cutover");
    }

    @Test
    void withoutConfigOrForACommandWithoutTheOptionNothingIsAdded() throws Exception {
        Path config = config("defaults:\n  model: onnx:e5-small-v2\n");

        assertThat(ConfigDefaults.missingOptions(new String[] {"migrate", "--source", "jsonl:x"}, spec("migrate"), root()))
                .isEmpty();
        assertThat(ConfigDefaults.missingOptions(new String[] {"rollback", "--config=" + config}, spec("rollback"), root()))
                .isEmpty();
    }

    @Test
    void aDefaultNoCommandHasIsRefusedNamingTheFile() throws Exception {
        Path config = config("defaults:\n  modle: onnx:e5-small-v2\n");

        assertThatThrownBy(() -> ConfigDefaults.missingOptions(new String[] {"migrate", "--config", config.toString()},
                spec("migrate"), root()))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining(config + ": defaults.modle: no memshift command has an option --modle");
    }

    @Test
    void theCommandLineSaysWhatIsWrongWithTheConfigFileAndExits2() throws Exception {
        Path config = config("kafka:\n  sasl:\n    mechanism: PLAIN\n    username: u\n    password: inline-secret\n");
        StringWriter err = new StringWriter();
        CommandLine commandLine = Memshift.commandLine();
        commandLine.setOut(new PrintWriter(new StringWriter(), true));
        commandLine.setErr(new PrintWriter(err, true));

        int code = commandLine.execute("check", "--config", config.toString());

        assertThat(code).isEqualTo(Memshift.EXIT_BAD_INPUT);
        assertThat(err.toString()).contains(config + ":5: kafka.sasl.password").doesNotContain("inline-secret");
    }

    @Test
    void aBadDefaultIsTracedToTheConfigFileItCameFrom() throws Exception {
        Path config = config("defaults:\n  layout: foo\n");
        Path memories = Files.writeString(dir.resolve("m.jsonl"), "{\"id\": \"a\", \"memory\": \"fine\"}\n");
        StringWriter err = new StringWriter();
        CommandLine commandLine = Memshift.commandLine();
        commandLine.setOut(new PrintWriter(new StringWriter(), true));
        commandLine.setErr(new PrintWriter(err, true));

        int code = commandLine.execute("migrate", "--config", config.toString(), "--source", "jsonl:" + memories,
                "--model", "stub:8", "--es", "http://127.0.0.1:1", "--bootstrap-servers", "127.0.0.1:1",
                "--schema-registry", "http://127.0.0.1:1");
        assertThat(code).isEqualTo(Memshift.EXIT_BAD_INPUT);
        // The error names --layout, which was never typed: the note says where it came from.
        assertThat(err.toString()).contains("--layout: unknown layout 'foo'")
                .contains("memshift: note: --layout was not typed but taken from the defaults of " + config);

        // An error that has nothing to do with the defaults gets no note pointing at them.
        Path fine = Files.writeString(dir.resolve("fine.yaml"), "defaults:\n  layout: mem0\n");
        StringWriter otherErr = new StringWriter();
        commandLine = Memshift.commandLine();
        commandLine.setOut(new PrintWriter(new StringWriter(), true));
        commandLine.setErr(new PrintWriter(otherErr, true));
        code = commandLine.execute("migrate", "--config", fine.toString(), "--source", "jsonl:" + dir.resolve("none.jsonl"),
                "--model", "stub:8", "--es", "http://127.0.0.1:1", "--bootstrap-servers", "127.0.0.1:1",
                "--schema-registry", "http://127.0.0.1:1");
        assertThat(code).isEqualTo(Memshift.EXIT_BAD_INPUT);
        assertThat(otherErr.toString()).contains("none.jsonl").doesNotContain("note:");
    }

    private Path config(String yaml) throws Exception {
        return Files.writeString(dir.resolve("memshift.yaml"), yaml);
    }

    private static CommandSpec root() {
        return Memshift.commandLine().getCommandSpec();
    }

    private static CommandSpec spec(String command) {
        return Memshift.commandLine().getSubcommands().get(command).getCommandSpec();
    }
}
