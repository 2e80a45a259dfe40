package io.memshift.cli;

import io.memshift.control.InvalidRequestException;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.BindException;
import picocli.CommandLine.Option;

/** {@code --metrics-port} and {@code --metrics-host} of the long-running commands: where {@link MetricsServer} listens. */
final class MetricsOptions {

    @Option(names = "--metrics-port", description = "Serve Prometheus metrics at http://<metrics-host>:<port>/metrics"
            + " while the command runs (0 picks a free port; default: no metrics endpoint).")
    Integer port;

    @Option(names = "--metrics-host", defaultValue = "127.0.0.1",
            description = "Address the metrics endpoint listens on (default: ${DEFAULT-VALUE}; 0.0.0.0 for all).")
    String host;

    /**
     * Starts the endpoint if {@code --metrics-port} was given, and says where it is.
     *
     * @return the server, or null without {@code --metrics-port}
     */
    MetricsServer start(PrintWriter out) {
        if (port == null) {
            return null;
        }
        if (port < 0 || port > 65535) {
            throw new InvalidRequestException("--metrics-port must be between 0 and 65535, was " + port);
        }
        try {
            MetricsServer server = new MetricsServer(host, port);
            out.printf("Metrics at http://%s:%d/metrics%n", host, server.port());
            out.flush();
            return server;
        } catch (BindException e) {
            throw new InvalidRequestException("cannot serve metrics on " + host + ":" + port + ": the port is taken");
        } catch (IOException e) {
            throw new InvalidRequestException("cannot serve metrics on " + host + ":" + port + ": " + e.getMessage());
        }
    }

    /** The registry the command's meters go to: the endpoint's, or null without one. */
    static MeterRegistry registryOf(MetricsServer server) {
        return server == null ? null : server.registry();
    }
}
