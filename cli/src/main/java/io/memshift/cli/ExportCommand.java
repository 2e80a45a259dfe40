package io.memshift.cli;

import io.memshift.control.Clusters;
import io.memshift.exporter.ExportSummary;
import io.memshift.exporter.Exporter;
import io.memshift.exporter.MemorySource;
import io.memshift.exporter.MemoryEventConverter;
import io.memshift.schemas.SchemaRegistryClient;
import io.memshift.schemas.Topics;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code memshift export}: runs the export stage alone. Exactly once and resumable: a run killed at any instant
 * is simply run again, and continues after the last committed checkpoint.
 */
@Command(name = "export", mixinStandardHelpOptions = true, description = {
        "Publishes every memory of the source to the memories topic, exactly once, in transactions with a checkpoint.",
        "A run of a source that was interrupted resumes; one that completed publishes nothing unless --restart."})
final class ExportCommand implements Callable<Integer> {

    @Option(names = "--source", required = true, description = "Where the memories are: " + OptionHelp.SOURCE_KINDS + ".")
    String source;

    @CommandLine.Mixin
    ExportChoiceOptions choice = new ExportChoiceOptions();

    @Option(names = "--topic", defaultValue = Topics.MEMORIES, description = "Topic to publish to (default: ${DEFAULT-VALUE}).")
    String topic;

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
        Clusters clusters = endpoints.resolve(out);
        MemoryEventConverter converter = MemoryEventConverter.forSource(memories, maxTextChars);
        try (ProgressReporter progress = ProgressReporter.forThisProcess()) {
            ExportSummary summary = new Exporter(clusters.kafka(),
                    new SchemaRegistryClient(clusters.schemaRegistry()), clusters.kafka().topics().partitions(), topic)
                    .export(memories, converter, progress::update, choice.toOptions(dataDir, memories.shortName()));
            progress.close();
            MigrationPrinter.describeExport(out, summary, topic);
            return Memshift.EXIT_OK;
        }
    }
}
