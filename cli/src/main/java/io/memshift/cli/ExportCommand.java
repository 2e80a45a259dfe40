package io.memshift.cli;

import io.memshift.clients.StageInstance;
import io.memshift.control.Backlog;
import io.memshift.control.Clusters;
import io.memshift.control.InvalidRequestException;
import io.memshift.control.PipelineChoice;
import io.memshift.control.PipelineRegistry;
import io.memshift.control.Pipelines;
import io.memshift.exporter.ExportOptions;
import io.memshift.exporter.ExportSummary;
import io.memshift.exporter.Exporter;
import io.memshift.exporter.MemorySource;
import io.memshift.exporter.MemoryEventConverter;
import io.memshift.reembedder.VersionGate;
import io.memshift.reembedder.VersionGateConfig;
import io.memshift.schemas.Pipeline;
import io.memshift.schemas.SchemaRegistryClient;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code memshift export}: runs the export stage alone. Exactly once and resumable: a run killed at any instant
 * is simply run again, and continues after the last committed checkpoint.
 */
@Command(name = "export", mixinStandardHelpOptions = true, description = {
        // One element per paragraph: picocli wraps each, and lists a command by its first.
        "Publishes every memory of the source to its pipeline's log, exactly once, in transactions with a checkpoint,"
                + " through the pipeline's version gate.",
        "A whole store is a snapshot: what the log holds and it lacks is deleted (at most --max-deletes). A run of a"
                + " source that was interrupted resumes; one that completed publishes nothing unless --restart."})
final class ExportCommand implements Callable<Integer> {

    @Option(names = "--source", required = true, description = "Where the memories are: " + OptionHelp.SOURCE_KINDS + ".")
    String source;

    @CommandLine.Mixin
    ExportChoiceOptions choice = new ExportChoiceOptions();

    @Option(names = "--topic", description = "The log topic to publish to, instead of --pipeline: memories, memories.<pipeline>, or a topic of its own.")
    String topic;

    @CommandLine.Mixin
    PipelineOptions pipelineOptions = new PipelineOptions();

    @CommandLine.Mixin
    InstanceOptions instanceOptions = new InstanceOptions();

    @Option(names = "--gate-timeout-s", defaultValue = "600", description = "Wait at most this long for the version"
            + " gate to put what was published on the log (default: ${DEFAULT-VALUE}).")
    long gateTimeoutSeconds;

    @Option(names = "--max-text-chars", defaultValue = "" + MemoryEventConverter.DEFAULT_MAX_TEXT_CHARS,
            description = "Memories with longer text are refused (default: ${DEFAULT-VALUE}).")
    int maxTextChars;

    @CommandLine.Mixin
    ClusterEndpoints endpoints = new ClusterEndpoints();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        SourceUri sourceUri = SourceUri.parse(source);
        MemorySource memories = sourceUri.open(choice.user, choice.agent, choice.run,
                endpoints.sourceElasticsearch(sourceUri));
        Path dataDir = endpoints.dataDir();
        ExportOptions options = choice.toOptions(dataDir, memories.shortName());
        Clusters clusters = endpoints.resolve(out);
        Pipeline target;
        try {
            target = PipelineChoice.pipelineFor(memories.storeName(), pipelineOptions.name, topic);
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException(e.getMessage());
        }
        MemoryEventConverter converter = MemoryEventConverter.forSource(memories, maxTextChars);
        Exporter exporter = new Exporter(clusters.kafka(), new SchemaRegistryClient(clusters.schemaRegistry()),
                target, pipelineOptions.topicSettings(clusters.kafka().topics()));
        Pipelines pipelines = new Pipelines(clusters);
        AtomicReference<PipelineRegistry.Entry> chosen = new AtomicReference<>();
        // Whether this store may go to that pipeline is checked once the source is known valid, before anything
        // is published (and before Kafka is asked at all, so that a bad source is reported as such).
        Runnable check = () -> chosen.set(pipelines.forSource(memories, pipelineOptions.name, topic,
                pipelineOptions.topicSettings(clusters.kafka().topics())));
        ExportSummary summary;
        try (ProgressReporter progress = ProgressReporter.forThisProcess()) {
            summary = exporter.export(memories, converter, progress::update, options, check);
        }
        // What the export did is said as soon as it is committed: a run stopped while the gate works has still
        // told what it published (and whether it resumed an interrupted export).
        out.printf("Pipeline %s: log %s%n", target.name(), target.log());
        MigrationPrinter.describeExport(out, summary, target.log());
        if (!options.dryRun()) {
            pipelines.record(chosen.get());
            // Published means on the log, where re-embedders read: the gate puts it there.
            out.printf("Waiting for the version gate to put it on %s%n", target.log());
            out.flush();
            try (StageInstance instance = instanceOptions.claim(dataDir);
                 VersionGate gate = new VersionGate(new VersionGateConfig(clusters.kafka(),
                         clusters.schemaRegistry(), target, chosen.get().topics(), instance))) {
                gate.start();
                Backlog.awaitGate(clusters.kafka(), gate, Duration.ofSeconds(gateTimeoutSeconds));
            }
            out.printf("On the log %s%n", target.log());
        }
        // A dry run that lists a snapshot the real run would refuse says so by its exit code too, as that run would.
        return summary.wouldBeRefused() != null ? Memshift.EXIT_BAD_INPUT : Memshift.EXIT_OK;
    }
}
