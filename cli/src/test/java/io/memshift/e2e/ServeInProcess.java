package io.memshift.e2e;

import io.memshift.cli.Memshift;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/**
 * {@code memshift serve --model <id> --port 0} run by the CLI in this JVM, on a thread of its own, as a test's
 * embedding endpoint. The port is read from the line serve prints; closing interrupts the command, which then
 * stops its server as it would on Ctrl-C.
 */
final class ServeInProcess implements AutoCloseable {

    private static final Pattern SERVING = Pattern.compile("Serving (\\S+) \\((\\d+) dims\\) at (http://\\S+/v1) ");

    private final Thread thread;
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();
    private final String baseUrl;
    private final int dims;
    private volatile Integer exitCode;

    ServeInProcess(String model) {
        thread = new Thread(() -> {
            CommandLine commandLine = Memshift.commandLine();
            commandLine.setOut(new PrintWriter(out, true));
            commandLine.setErr(new PrintWriter(err, true));
            exitCode = commandLine.execute("serve", "--model", model, "--port", "0");
        }, "memshift-serve-" + model);
        thread.setDaemon(true);
        thread.start();
        long deadline = System.nanoTime() + 180_000_000_000L; // loading a model on a busy machine
        Matcher serving;
        while (!(serving = SERVING.matcher(out.toString())).find()) {
            if (exitCode != null || System.nanoTime() > deadline) {
                throw new IllegalStateException("memshift serve --model " + model + " did not start (exit " + exitCode
                        + "): " + out + err);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while serve started", e);
            }
        }
        baseUrl = serving.group(3);
        dims = Integer.parseInt(serving.group(2));
    }

    /** {@code http://127.0.0.1:<port>/v1}, the base URL an OpenAI client is given. */
    String baseUrl() {
        return baseUrl;
    }

    int dims() {
        return dims;
    }

    /** What serve printed so far. */
    String output() {
        return out.toString() + err;
    }

    @Override
    public void close() throws InterruptedException {
        thread.interrupt();
        thread.join(60_000);
    }
}
