package io.memshift.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.memshift.control.Clusters;
import io.memshift.control.InvalidRequestException;
import io.memshift.control.PipelineStatus;
import io.memshift.control.Pipelines;
import io.memshift.control.StatusReader;
import java.io.PrintWriter;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code memshift status}: where each pipeline stands (export position, lag, rate and ETA of each stage, dead
 * letters, aliases, last verify), read from the clusters without touching anything. The reading is
 * {@link StatusReader}'s; this class only prints it.
 */
@Command(name = "status", mixinStandardHelpOptions = true, description = {
        "Shows where each pipeline stands: per input topic and model generation, the export's last position, the"
                + " topics' end offsets, the re-embedder's and each importer's lag, rate and ETA, dead-letter and reject"
                + " counts, the aliases on each index and its last verify.",
        "Rates are offsets committed per second between two readings --sample-s apart (with --watch, between"
                + " refreshes); ETA = lag / rate.",
        "Exit code 0 if healthy, 1 if not: a cluster not answering, a dead-letter topic not empty, or an alias on an"
                + " index whose last verify failed. Lag alone is not unhealthy."})
final class StatusCommand implements Callable<Integer> {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--pipeline", description = "Only this pipeline: its name (./memshift pipelines lists them) or its log topic, e.g. memories.")
    String pipeline;

    @Option(names = "--watch", arity = "0..1", fallbackValue = "5", paramLabel = "SECONDS",
            description = "Refresh every SECONDS (default when given: ${FALLBACK-VALUE}) until Ctrl-C; rates are measured between refreshes.")
    Integer watchSeconds;

    @Option(names = "--json", description = "Print one JSON object (with --watch, one per line per refresh).")
    boolean json;

    @Option(names = "--sample-s", defaultValue = "3",
            description = "Seconds between the two readings rates come from (default: ${DEFAULT-VALUE}; 0: no rates, one reading).")
    double sampleSeconds;

    @CommandLine.Mixin
    ClusterEndpoints endpoints = new ClusterEndpoints();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        if (sampleSeconds < 0 || (watchSeconds != null && watchSeconds < 1)) {
            throw new InvalidRequestException("--sample-s must not be negative and --watch at least 1 second");
        }
        Optional<Clusters> clusters = endpoints.resolveRecorded();
        if (clusters.isEmpty()) {
            out.println("The embedded stack is not running (start it with ./memshift stack up), and not every one of"
                    + " --bootstrap-servers, --schema-registry, --es was given.");
            out.flush();
            return Memshift.EXIT_FAILED;
        }
        StatusReader reader = new StatusReader(clusters.get());
        // The reader knows pipelines by their log topic; a pipeline's name stands for its log.
        String pipeline = this.pipeline == null ? null : new Pipelines(clusters.get()).existingLogOf(this.pipeline);
        PipelineStatus status = reader.read(pipeline);
        if (sampleSeconds > 0) {
            Thread.sleep((long) (sampleSeconds * 1000));
            status = reader.read(pipeline).withRates(status);
        }
        print(out, status);
        if (watchSeconds == null) {
            return status.healthy() ? Memshift.EXIT_OK : Memshift.EXIT_FAILED;
        }
        boolean terminal = System.console() != null && !json;
        while (!Thread.currentThread().isInterrupted()) {
            Thread.sleep(watchSeconds * 1000L);
            PipelineStatus next = reader.read(pipeline);
            status = next.withRates(status);
            if (terminal) {
                // Clear the screen and go home, so a refresh replaces the last one.
                out.print("\033[H\033[2J");
            }
            print(out, status);
        }
        return status.healthy() ? Memshift.EXIT_OK : Memshift.EXIT_FAILED;
    }

    private void print(PrintWriter out, PipelineStatus status) {
        if (json) {
            ObjectNode node = JSON.valueToTree(status);
            node.put("healthy", status.healthy());
            node.set("problems", JSON.valueToTree(status.problems()));
            out.println(node);
        } else {
            StatusPrinter.print(out, status);
        }
        out.flush();
    }
}
