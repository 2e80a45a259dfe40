package io.memshift.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;

/**
 * Runs a memshift command in this JVM with every cluster at a closed port: for what must be decided (and refused)
 * before any cluster is asked.
 */
final class OfflineCli {

    /** The exit code and what the command wrote to its error stream. */
    record Run(int exitCode, String err) {
    }

    private OfflineCli() {
    }

    static Run run(Path dataDir, String... command) throws IOException {
        String nowhere = "127.0.0.1:" + closedPort();
        List<String> args = new ArrayList<>(List.of(command));
        args.addAll(List.of("--data-dir", dataDir.toString(), "--bootstrap-servers", nowhere,
                "--schema-registry", "http://" + nowhere, "--es", "http://" + nowhere));
        StringWriter err = new StringWriter();
        CommandLine cli = Memshift.commandLine();
        cli.setOut(new PrintWriter(new StringWriter()));
        cli.setErr(new PrintWriter(err));
        int code = cli.execute(args.toArray(String[]::new));
        return new Run(code, err.toString());
    }

    /** A port nothing listens on (it was free a moment ago). */
    static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
