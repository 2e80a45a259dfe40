package io.memshift.cli;

import io.memshift.clients.StageInstance;
import io.memshift.control.Backlog;
import io.memshift.control.Pipelines;
import io.memshift.schemas.Pipeline;
import io.memshift.clients.TopicSettings;
import io.memshift.control.Clusters;
import io.memshift.control.FailureDiagnosis;
import io.memshift.control.IndexNames;
import io.memshift.control.IndexShape;
import io.memshift.control.LagGauges;
import io.memshift.importer.BulkOutcome;
import io.memshift.importer.ConsumerGroupLag;
import io.memshift.importer.Importer;
import io.memshift.importer.ImporterConfig;
import io.memshift.reembedder.EmbeddingModels;
import io.memshift.reembedder.ModelProfile;
import io.memshift.schemas.Topics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code memshift import}: runs the import stage alone, as a service (until stopped) or until it has caught up.
 * Safe to kill at any instant: a restart resumes from the last committed offsets and the versions make the
 * rewrites no-ops.
 */
@Command(name = "import", mixinStandardHelpOptions = true, description = {
        "Runs the importer alone: embedded topic -> Elasticsearch index, exactly once in final state.",
        "Runs until stopped (Ctrl-C, SIGTERM), or with --until-caught-up until it has read the whole topic."})
final class ImportCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, description = "The model whose embedded topic to read: " + OptionHelp.MODELS + ".")
    String model;

    @Option(names = "--index", description = "Target index (default: memories.<pipeline>.<model>-1; memories-<model>-1 for the pipeline memories).")
    String index;

    @Option(names = "--topic", description = "Read this embedded topic instead of the pipeline's <log>.embedded.<model> (a replay's .gN, say).")
    String topic;

    @Option(names = "--pipeline", description = "The pipeline whose embedded topic to read (default: the one --topic"
            + " belongs to, or the only pipeline there is).")
    String pipelineName;

    @CommandLine.Mixin
    InstanceOptions instanceOptions = new InstanceOptions();

    @Option(names = "--until-caught-up", description = "Exit 0 once every record of the topic is written and committed.")
    boolean untilCaughtUp;

    @CommandLine.Mixin
    IndexShapeOptions shape = new IndexShapeOptions();

    @CommandLine.Mixin
    ClusterEndpoints endpoints = new ClusterEndpoints();

    @CommandLine.Mixin
    MetricsOptions metrics = new MetricsOptions();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /**
     * The lines an import prints while it runs: at once, if its topic does not exist yet (nothing re-embedded the
     * pipeline with this model: without a word, the import would wait for ever), and then every 30 s in which it
     * indexed something, with what it has done and what is left.
     */
    private static final class ImportReport {
        private static final long EVERY_NANOS = 30_000_000_000L;
        private final PrintWriter out;
        private final String topic;
        private final Importer importer;
        private final String reembed;
        /** As if the last line were a whole period ago: the first check reports at once. */
        private long lastNanos = System.nanoTime() - EVERY_NANOS;
        private long lastSettled;
        private boolean toldMissing;

        ImportReport(PrintWriter out, String topic, Importer importer, String reembed) {
            this.out = out;
            this.topic = topic;
            this.importer = importer;
            this.reembed = reembed;
        }

        void maybe(java.util.function.LongSupplier lag) {
            if (System.nanoTime() - lastNanos < EVERY_NANOS) {
                return;
            }
            BulkOutcome outcome = importer.outcome();
            long settled = outcome.settled();
            if (!toldMissing || settled != lastSettled) {
                long left;
                try {
                    left = lag.getAsLong();
                } catch (RuntimeException e) {
                    // A report line is not worth stopping an import for: the cluster's health is watched apart.
                    lastNanos = System.nanoTime();
                    return;
                }
                if (left < 0 && !toldMissing) {
                    toldMissing = true;
                    out.printf("Waiting for topic %s: nothing has re-embedded this pipeline with this model yet (%s,"
                            + " alongside this or before)%n", topic, reembed);
                } else if (settled != lastSettled) {
                    out.printf("import: indexed %d, deleted %d, stale (409) %d, dead-lettered %d so far; %d left on"
                            + " %s%n", outcome.indexed(), outcome.deleted(), outcome.stale(), outcome.dead(),
                            Math.max(0, left), topic);
                }
                out.flush();
            }
            lastSettled = settled;
            lastNanos = System.nanoTime();
        }
    }

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        IndexShape indexShape = shape.shape(); // a bad option is refused before any cluster is asked
        ModelProfile profile = EmbeddingModels.profile(model);
        Clusters clusters = endpoints.resolveRunning();
        Pipeline pipeline = pipelineName == null && topic != null
                ? Pipeline.ofEmbeddedTopic(topic).orElse(Pipeline.named(Pipeline.LEGACY))
                : new Pipelines(clusters).forStage(pipelineName, null, clusters.kafka().topics()).pipeline();
        String target = index != null ? index : IndexNames.defaultIndex(pipeline, profile.id());
        IndexNames.requireValid(target, "--index");
        String source = topic != null ? topic : pipeline.embedded(profile.id(), 1);
        try (StageInstance instance = instanceOptions.claim(endpoints.dataDir());
             ForegroundService service = new ForegroundService("memshift-import");
             MetricsServer metricsServer = metrics.start(out)) {
            // Its own instance id: several importers of one index share its partitions instead of fencing each other.
            ImporterConfig config = indexShape.loading(ImporterConfig.of(clusters.kafka(),
                    clusters.schemaRegistry(), clusters.elasticsearch(), source, target, shape.layout(),
                    shape.mapping(profile.dims())).withInstance(instance.id()));
            try (Importer importer = new Importer(config,
                         metricsServer != null ? metricsServer.registry() : new SimpleMeterRegistry());
                 LagGauges lag = metricsServer == null ? null
                         : new LagGauges(clusters, metricsServer.registry(), LagGauges.DEFAULT_INTERVAL)) {
                if (lag != null) {
                    lag.importer(target, config.groupId(), source);
                }
                try {
                    importer.start();
                    out.printf("Importing %s into %s (instance %s)%s ...%n", source, target, instance.id(),
                            untilCaughtUp ? " until caught up" : " (Ctrl-C stops)");
                    out.flush();
                    String reembed = "./memshift reembed --pipeline " + pipeline.name() + " --model " + profile.id();
                    ImportReport report = new ImportReport(out, source, importer, reembed);
                    service.await(() -> untilCaughtUp && Backlog.importerCaughtUp(config), () -> {
                        FailureDiagnosis.requireAlive(clusters, importer);
                        report.maybe(() -> ConsumerGroupLag.of(clusters.kafka(), config.groupId(), source));
                    });
                } catch (RuntimeException e) {
                    throw FailureDiagnosis.explain(clusters, importer.name(), e);
                }
                BulkOutcome outcome = importer.outcome();
                out.printf("Imported into %s: indexed %d, deleted %d, stale (409) %d, retried %d, dead-lettered %d%n",
                        target, outcome.indexed(), outcome.deleted(), outcome.stale(), outcome.retried(),
                        outcome.dead());
                BulkOutcome entities = importer.entityOutcome();
                if (entities.settled() > 0) {
                    out.printf("Entities into %s: indexed %d, deleted %d, stale (409) %d, retried %d, dead-lettered"
                            + " %d%n", config.entityIndex(), entities.indexed(), entities.deleted(), entities.stale(),
                            entities.retried(), entities.dead());
                }
                return Memshift.EXIT_OK;
            }
        }
    }
}
