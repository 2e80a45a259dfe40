package io.memshift.cli;

import io.memshift.control.Clusters;
import io.memshift.control.ContinuousSync;
import io.memshift.control.IndexShape;
import io.memshift.control.InvalidRequestException;
import io.memshift.control.Migration;
import io.memshift.control.MigrationSummary;
import io.memshift.control.PipelineChoice;
import io.memshift.clients.StageInstance;
import io.memshift.exporter.ExportSummary;
import io.memshift.exporter.ExportOptions;
import io.memshift.exporter.MemoryEventConverter;
import io.memshift.reembedder.ReembedderConfig;
import java.io.PrintWriter;
import io.memshift.exporter.MemorySource;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code memshift migrate}: export, re-embed and import until the index holds every memory, then cut over. */
@Command(name = "migrate", mixinStandardHelpOptions = true, description = {
        "Runs the three stages until the target index holds every memory of the source, then points the alias at it.",
        "Exit code 0 only if every memory arrived."})
final class MigrateCommand implements Callable<Integer> {

    @Option(names = "--source", required = true, description = "Where the memories are: " + OptionHelp.SOURCE_KINDS + ".")
    String source;

    @Option(names = "--model", required = true, description = "The new embedding model: " + OptionHelp.MODELS + ".")
    String model;

    @Option(names = "--index", description = "Target index (default: memories.<pipeline>.<model>-1; memories-<model>-1 for the pipeline memories).")
    String index;

    @Option(names = "--alias", description = "Alias to point at the new index (default: memories, unless it serves"
            + " another pipeline's index: then every alias is left alone).")
    String alias;

    @Option(names = "--no-cutover", description = "Fill the index but leave the alias where it is.")
    boolean noCutover;

    @Option(names = "--topic", description = "The log topic to export to and re-embed from, instead of --pipeline"
            + " (memories is the pipeline of earlier versions). Another topic is another pipeline: its own embedded"
            + " topic <topic>.embedded.<model>, re-embedder application id and default index <topic>.<model>-1.")
    String topic;

    @CommandLine.Mixin
    MetricsOptions metrics = new MetricsOptions();

    @CommandLine.Mixin
    FollowOptions followOptions = new FollowOptions();

    @CommandLine.Mixin
    ExportChoiceOptions choice = new ExportChoiceOptions();

    @CommandLine.Mixin
    PipelineOptions pipelineOptions = new PipelineOptions();

    @CommandLine.Mixin
    InstanceOptions instanceOptions = new InstanceOptions();

    @CommandLine.Mixin
    ClusterEndpoints endpoints = new ClusterEndpoints();

    @CommandLine.Mixin
    IndexShapeOptions shape = new IndexShapeOptions();

    @CommandLine.Mixin
    BatchingOptions batching = new BatchingOptions();

    @Option(names = "--max-text-chars", defaultValue = "" + MemoryEventConverter.DEFAULT_MAX_TEXT_CHARS,
            description = "Memories with longer text are refused (default: ${DEFAULT-VALUE}).")
    int maxTextChars;

    @Option(names = "--stall-timeout-s", defaultValue = "300",
            description = "Give up when no memory arrives for this many seconds (default: ${DEFAULT-VALUE}).")
    long stallTimeoutSeconds;

    @Option(names = "--drain-timeout-s", defaultValue = "300",
            description = "Once every memory is in, wait at most this long for records still in flight (default: ${DEFAULT-VALUE}).")
    long drainTimeoutSeconds;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        IndexShape indexShape = shape.shape(); // a bad option is refused before any cluster is asked
        SourceUri sourceUri = SourceUri.parse(source);
        MemorySource memories = sourceUri.open(choice.user, choice.agent, choice.run,
                endpoints.sourceElasticsearch(sourceUri));
        Path dataDir = endpoints.dataDir();
        ExportOptions exportOptions = choice.toOptions(dataDir, memories.shortName());
        followOptions.requireFollowable(memories.kind(), source);
        if (followOptions.follow && exportOptions.dryRun()) {
            throw new InvalidRequestException("--follow and --dry-run do not go together: --dry-run changes nothing");
        }
        Clusters clusters = endpoints.resolve(out);
        try (StageInstance instance = instanceOptions.claim(dataDir);
             MetricsServer metricsServer = metrics.start(out);
             ProgressReporter progress = ProgressReporter.forThisProcess()) {
            Migration.Options options = new Migration.Options(memories, model, index,
                    noCutover ? null : alias != null ? alias : PipelineChoice.DEFAULT_ALIAS,
                    batching.batchSizeOrDefault(), batching.maxWait(), maxTextChars, Duration.ofSeconds(stallTimeoutSeconds),
                    Duration.ofSeconds(drainTimeoutSeconds), instance, indexShape, exportOptions,
                    pipelineOptions.name, topic, pipelineOptions.topicSettings(clusters.kafka().topics()), alias == null);
            MigrationPrinter printer = new MigrationPrinter(out, progress);
            if (exportOptions.dryRun()) {
                ExportSummary dry = new Migration(clusters, options, printer).dryRun();
                return dry.wouldBeRefused() != null ? Memshift.EXIT_BAD_INPUT : Memshift.EXIT_OK;
            }
            MigrationSummary summary;
            if (followOptions.follow) {
                summary = follow(clusters, options, printer, metricsServer, out);
            } else {
                summary = new Migration(clusters, options, printer, MetricsOptions.registryOf(metricsServer)).run();
            }
            MigrationPrinter.printSummary(out, summary);
            return summary.failed() == 0 ? Memshift.EXIT_OK : Memshift.EXIT_FAILED;
        }
    }

    /**
     * The migration, then continuous sync until Ctrl-C or SIGTERM, which stop it cleanly: the poll in progress is
     * published and acknowledged, the stages get up to 30 s to apply what is in flight and commit, and the run
     * ends with its summary and exit code 0.
     */
    private MigrationSummary follow(Clusters clusters, Migration.Options options, MigrationPrinter printer,
                                    MetricsServer metricsServer, PrintWriter out) {
        FollowPrinter followPrinter = new FollowPrinter(out);
        // Taken over only once the bulk load is in: until then Ctrl-C stops the run as without --follow.
        try (StopSignals signals = new StopSignals(() -> {
            out.println("Stopping: finishing the step in progress and letting what is in flight reach the index"
                    + " (Ctrl-C again stops at once) ...");
            out.flush();
        })) {
            MemorySource memories = options.source();
            // --no-reconcile: the store's deletes are not followed either.
            io.memshift.exporter.MaxDeletes maxDeletes = options.export().maxDeletes();
            ContinuousSync sync = new ContinuousSync(clusters, memories, new ContinuousSync.Options(
                    followOptions.pollInterval(), followOptions.reconcileInterval(), followOptions.overlap(),
                    followOptions.lagInterval(), maxDeletes, options.export(), options.maxTextChars()),
                    followPrinter, signals::install, MetricsOptions.registryOf(metricsServer));
            followPrinter.following(memories.name(), io.memshift.exporter.ChangeFeed.of(memories).selectsOnServer(),
                    followOptions.pollInterval(), followOptions.reconcileInterval());
            return new Migration(clusters, options, printer, MetricsOptions.registryOf(metricsServer), sync).run();
        }
    }
}
