package io.memshift.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The operator's commands explain themselves: --help exits 0 and names what the command does and its options. */
@Tag("fast")
class OpsCommandsHelpTest {

    private static String[] run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine commandLine = Memshift.commandLine();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        int code = commandLine.execute(args);
        return new String[] {Integer.toString(code), out.toString(), err.toString()};
    }

    @Test
    void statusHelpNamesItsOptionsAndTheHealthRule() {
        String[] help = run("status", "--help");
        assertThat(help[0]).as(help[2]).isEqualTo("0");
        assertThat(help[1]).contains("--pipeline").contains("--watch").contains("--json").contains("--sample-s")
                .contains("Exit code 0 if healthy");
    }

    @Test
    void stackRestartHelpNamesTheServers() {
        String[] help = run("stack", "restart", "--help");
        assertThat(help[0]).as(help[2]).isEqualTo("0");
        assertThat(help[1]).contains("kafka|registry|elasticsearch");
    }

    @Test
    void theLongRunningCommandsTakeAMetricsPort() {
        for (String command : new String[] {"migrate", "reembed", "import", "ingest", "serve"}) {
            CommandLine.Model.CommandSpec spec = Memshift.commandLine().getSubcommands().get(command).getCommandSpec();
            assertThat(spec.findOption("--metrics-port")).as(command).isNotNull();
        }
    }
}
