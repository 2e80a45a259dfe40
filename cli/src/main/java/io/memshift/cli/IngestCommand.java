package io.memshift.cli;

import io.memshift.clients.StageInstance;
import io.memshift.control.Clusters;
import io.memshift.control.InvalidRequestException;
import io.memshift.control.PipelineRegistry;
import io.memshift.control.Pipelines;
import io.memshift.reembedder.VersionGate;
import io.memshift.reembedder.VersionGateConfig;
import io.memshift.exporter.IngestServer;
import io.memshift.exporter.Mem0ApiClient;
import io.memshift.exporter.MemoryEventPublisher;
import io.memshift.schemas.SchemaRegistryClient;
import io.memshift.schemas.Topics;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.BindException;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code memshift ingest --port <p>}: live changes (Mem0 webhooks, memshift's own change events) onto the
 * log of a pipeline while a migration runs (through its intake and version gate); see {@link IngestServer} for
 * the endpoints.
 */
@Command(name = "ingest", mixinStandardHelpOptions = true, description = {
        "Accepts live changes over HTTP and publishes them to a pipeline (--pipeline), answering 2xx once the broker has them.",
        "Endpoints:",
        "  POST /webhooks/mem0  Mem0 webhook payloads (memory_add/update/delete; needs --mem0-api to fetch full memories)",
        "  POST /events         {\"op\":\"upsert\",\"memory\":{...}} | {\"op\":\"delete\",\"id\":\"...\",\"deleted_at\":\"...\"}, or an array"})
final class IngestCommand implements Callable<Integer> {

    @Option(names = "--port", defaultValue = "8787", description = "Port to listen on (default: ${DEFAULT-VALUE}; 0 picks a free one).")
    int port;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to listen on (default: ${DEFAULT-VALUE}; 0.0.0.0 for all).")
    String host;

    @Option(names = "--mem0-api", description = "Mem0 API base URL to fetch full memories for webhooks, e.g. https://api.mem0.ai (key in MEM0_API_KEY).")
    String mem0Api;

    @Option(names = "--topic", description = "The log topic to publish to, instead of --pipeline (memories is the pipeline memories).")
    String topic;

    @CommandLine.Mixin
    PipelineOptions pipelineOptions = new PipelineOptions();

    @CommandLine.Mixin
    InstanceOptions instanceOptions = new InstanceOptions();

    @CommandLine.Mixin
    ClusterEndpoints endpoints = new ClusterEndpoints();

    @CommandLine.Mixin
    MetricsOptions metrics = new MetricsOptions();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        if (port < 0 || port > 65535) {
            throw new InvalidRequestException("--port must be between 0 and 65535, was " + port);
        }
        Mem0ApiClient mem0 = null;
        if (mem0Api != null) {
            try {
                mem0 = Mem0ApiClient.fromEnv(mem0Api, System.getenv());
            } catch (IllegalArgumentException e) {
                throw new InvalidRequestException(e.getMessage());
            }
        }
        Clusters clusters = endpoints.resolve(out);
        Pipelines pipelines = new Pipelines(clusters);
        PipelineRegistry.Entry pipeline = pipelines.forStage(pipelineOptions.name, topic,
                pipelineOptions.topicSettings(clusters.kafka().topics()));
        String log = pipeline.pipeline().log();
        // Live changes may start a pipeline of their own, so a new one is allowed; but a mistyped name must not
        // send an app's changes, unnoticed, where no re-embedder reads.
        pipelines.warningIfNew(pipeline.pipeline()).ifPresent(warning -> {
            out.println("Warning: " + warning);
            out.flush();
        });
        try (StageInstance instance = instanceOptions.claim(endpoints.dataDir());
             ForegroundService service = new ForegroundService("memshift-ingest");
             MetricsServer metricsServer = metrics.start(out);
             VersionGate gate = new VersionGate(new VersionGateConfig(clusters.kafka(), clusters.schemaRegistry(),
                     pipeline.pipeline(), pipeline.topics(), instance));
             MemoryEventPublisher publisher = new MemoryEventPublisher(clusters.kafka(),
                    new SchemaRegistryClient(clusters.schemaRegistry()), pipeline.pipeline(), "ingest");
             IngestServer server = open(publisher, mem0,
                     metricsServer != null ? metricsServer.registry() : new SimpleMeterRegistry())) {
            // The gate puts what arrives on the log, for this pipeline's re-embedders; any other memshift process
            // of the pipeline runs it too, and they share the work.
            gate.start();
            server.start();
            out.printf("Ingesting on http://%s:%d -> topic %s (POST /webhooks/mem0%s, POST /events); Ctrl-C stops%n",
                    host, server.port(), log, mem0 == null ? " disabled: no --mem0-api" : " via " + mem0.baseUrl());
            out.flush();
            long[] reported = {0, 0};
            long[] lastReport = {System.nanoTime()};
            service.await(() -> false, () -> {
                gate.requireAlive();
                // A plain line every 30 s when something happened: ingest runs for hours, mostly unattended.
                if (System.nanoTime() - lastReport[0] > 30_000_000_000L
                        && (server.published() != reported[0] || server.refused() != reported[1])) {
                    reported[0] = server.published();
                    reported[1] = server.refused();
                    lastReport[0] = System.nanoTime();
                    out.printf("ingest: %d events published, %d requests refused%n", reported[0], reported[1]);
                    out.flush();
                }
            });
            out.printf("ingest stopped: %d events published, %d requests refused%n", server.published(), server.refused());
            return Memshift.EXIT_OK;
        }
    }

    private IngestServer open(MemoryEventPublisher publisher, Mem0ApiClient mem0, MeterRegistry meters) {
        try {
            return new IngestServer(host, port, publisher, mem0, meters);
        } catch (BindException e) {
            throw new InvalidRequestException("cannot listen on " + host + ":" + port + ": the port is taken (" + e.getMessage() + ")");
        } catch (IOException e) {
            throw new InvalidRequestException("cannot listen on " + host + ":" + port + ": " + e.getMessage());
        }
    }
}
