package io.memshift.cli;

import dev.langchain4j.model.embedding.EmbeddingModel;
import io.memshift.clients.StageInstance;
import io.memshift.control.Backlog;
import io.memshift.control.PipelineRegistry;
import io.memshift.control.Pipelines;
import io.memshift.reembedder.VersionGate;
import io.memshift.reembedder.VersionGateConfig;
import io.memshift.control.Clusters;
import io.memshift.control.FailureDiagnosis;
import io.memshift.control.Generations;
import io.memshift.control.LagGauges;
import io.memshift.reembedder.EmbeddingModels;
import io.memshift.reembedder.ModelProfile;
import io.memshift.reembedder.ReembedMetrics;
import io.memshift.reembedder.Reembedder;
import io.memshift.reembedder.ReembedderConfig;
import io.memshift.schemas.Stage;
import io.memshift.schemas.Topics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code memshift reembed}: runs the re-embedding stage of a pipeline alone, as a service or until caught up, with
 * the pipeline's version gate beside it (so that what publishers put on the intake reaches the log while it runs).
 * With {@code --replay} it starts a new generation: a new application id that re-reads the log from the start and
 * writes a new, complete output topic, leaving the previous generation's topic untouched. Any number of instances
 * may run for one pipeline and model: they share the log's partitions.
 */
@Command(name = "reembed", mixinStandardHelpOptions = true, description = {
        "Runs the re-embedder of a pipeline alone: <log> -> <log>.embedded.<model>, exactly once (Kafka Streams EOS v2).",
        "--replay starts a new generation that re-reads the log from the start into a new topic.",
        "Several instances (one per --data-dir slot, or --instance-id) share the log's partitions."})
final class ReembedCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, description = "The embedding model: " + OptionHelp.MODELS + ".")
    String model;

    @Option(names = "--replay", description = "Start the next generation: re-read memories from the start into a new topic.")
    boolean replay;

    @Option(names = "--generation", description = "Run this generation (1 = the model's first run; give a replay's number to resume it).")
    Integer generation;

    @Option(names = "--input-topic", description = "The log topic to read, instead of --pipeline (memories is the pipeline memories). Its output topic is <input>.embedded.<model>.")
    String inputTopic;

    @CommandLine.Mixin
    PipelineOptions pipelineOptions = new PipelineOptions();

    @CommandLine.Mixin
    InstanceOptions instanceOptions = new InstanceOptions();

    @CommandLine.Mixin
    BatchingOptions batching = new BatchingOptions();

    @Option(names = "--until-caught-up", description = "Exit 0 once the whole input is embedded and committed.")
    boolean untilCaughtUp;

    @CommandLine.Mixin
    ClusterEndpoints endpoints = new ClusterEndpoints();

    @CommandLine.Mixin
    MetricsOptions metrics = new MetricsOptions();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        ModelProfile profile = EmbeddingModels.profile(model);
        Clusters clusters = endpoints.resolveRunning();
        PipelineRegistry.Entry pipeline = new Pipelines(clusters).forStage(pipelineOptions.name, inputTopic,
                pipelineOptions.topicSettings(clusters.kafka().topics()));
        String log = pipeline.pipeline().log();
        int gen = Generations.choose(clusters, log, profile.id(), replay, generation);
        out.printf("Loading model %s (%d dims) ...%n", profile.id(), profile.dims());
        out.flush();
        EmbeddingModel embedder = profile.factory().get();
        try (StageInstance instance = instanceOptions.claim(endpoints.dataDir());
             ForegroundService service = new ForegroundService("memshift-reembed");
             MetricsServer metricsServer = metrics.start(out);
             VersionGate gate = new VersionGate(new VersionGateConfig(clusters.kafka(), clusters.schemaRegistry(),
                     pipeline.pipeline(), pipeline.topics(), instance));
             Reembedder reembedder = new Reembedder(new ReembedderConfig(clusters.kafka(),
                     clusters.schemaRegistry(), profile.id(), batching.batchSize(profile), batching.maxWait(),
                     instance.stateDir(), gen, log, pipeline.topics(), instance.id()), profile, embedder,
                     metricsServer != null ? metricsServer.registry() : new SimpleMeterRegistry());
             LagGauges lag = metricsServer == null ? null
                     : new LagGauges(clusters, metricsServer.registry(), LagGauges.DEFAULT_INTERVAL)) {
            if (lag != null) {
                lag.reembedder(profile.id(), reembedder.applicationId(), log);
            }
            ReembedderConfig config = reembedder.config();
            try {
                Stage.startTogether(gate, reembedder);
                out.printf("Re-embedding %s into %s (generation %d, application id %s, instance %s)%s ...%n", log,
                        config.outputTopic(), gen, reembedder.applicationId(), instance.id(),
                        untilCaughtUp ? " until caught up" : "; Ctrl-C stops");
                out.flush();
                service.await(() -> untilCaughtUp && Backlog.gateCaughtUp(clusters.kafka(), gate)
                                && Backlog.reembedderCaughtUp(clusters.kafka(), reembedder, log),
                        () -> FailureDiagnosis.requireAlive(clusters, gate, reembedder));
            } catch (RuntimeException e) {
                throw FailureDiagnosis.explain(clusters, reembedder.name(), e);
            }
            ReembedMetrics metrics = reembedder.metrics();
            out.printf("Re-embedded into %s: %d events forwarded, %d texts embedded in %d batches (mean %.1f events,"
                            + " %.0f ms per model request, %.1f s in the model), %d from the cache, %d model retries,"
                            + " %d refused by the model (in %s)%n", config.outputTopic(), metrics.events(),
                    metrics.embedded(), metrics.batches(), metrics.meanBatchSize(), metrics.meanModelLatencyMs(),
                    metrics.modelSeconds(), metrics.cacheHits(), metrics.modelRetries(), metrics.deadLettered(),
                    config.deadLetterTopic());
            return Memshift.EXIT_OK;
        }
    }
}
