package io.memshift.cli;

import dev.langchain4j.model.embedding.EmbeddingModel;
import io.memshift.control.Backlog;
import io.memshift.control.Clusters;
import io.memshift.control.FailureDiagnosis;
import io.memshift.control.Generations;
import io.memshift.control.LagGauges;
import io.memshift.reembedder.EmbeddingModels;
import io.memshift.reembedder.ModelProfile;
import io.memshift.reembedder.ReembedMetrics;
import io.memshift.reembedder.Reembedder;
import io.memshift.reembedder.ReembedderConfig;
import io.memshift.schemas.Topics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code memshift reembed}: runs the re-embedding stage alone, as a service or until caught up. With
 * {@code --replay} it starts a new generation: a new application id that re-reads {@code memories} from the
 * start and writes a new, complete output topic, leaving the previous generation's topic untouched.
 */
@Command(name = "reembed", mixinStandardHelpOptions = true, description = {
        "Runs the re-embedder alone: memories -> memories.embedded.<model>, exactly once (Kafka Streams EOS v2).",
        "--replay starts a new generation that re-reads memories from the start into a new topic."})
final class ReembedCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, description = "The embedding model: " + OptionHelp.MODELS + ".")
    String model;

    @Option(names = "--replay", description = "Start the next generation: re-read memories from the start into a new topic.")
    boolean replay;

    @Option(names = "--generation", description = "Run this generation (1 = the model's first run; give a replay's number to resume it).")
    Integer generation;

    @Option(names = "--input-topic", defaultValue = Topics.MEMORIES, description = "Topic to read (default: ${DEFAULT-VALUE}). Another input topic gets its own output topic, <input>.embedded.<model>, and application id.")
    String inputTopic;

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
        int gen = Generations.choose(clusters, inputTopic, profile.id(), replay, generation);
        ReembedderConfig config = new ReembedderConfig(clusters.kafka(), clusters.schemaRegistry(),
                profile.id(), batching.batchSize(profile), batching.maxWait(),
                endpoints.dataDir().resolve("streams"), gen, inputTopic);
        out.printf("Loading model %s (%d dims) ...%n", profile.id(), profile.dims());
        out.flush();
        EmbeddingModel embedder = profile.factory().get();
        try (ForegroundService service = new ForegroundService("memshift-reembed");
             MetricsServer metricsServer = metrics.start(out);
             Reembedder reembedder = new Reembedder(config, profile, embedder,
                     metricsServer != null ? metricsServer.registry() : new SimpleMeterRegistry());
             LagGauges lag = metricsServer == null ? null
                     : new LagGauges(clusters, metricsServer.registry(), LagGauges.DEFAULT_INTERVAL)) {
            if (lag != null) {
                lag.reembedder(profile.id(), reembedder.applicationId(), inputTopic);
            }
            try {
                reembedder.start();
                out.printf("Re-embedding %s into %s (generation %d, application id %s)%s ...%n", inputTopic,
                        config.outputTopic(), gen, reembedder.applicationId(),
                        untilCaughtUp ? " until caught up" : "; Ctrl-C stops");
                out.flush();
                service.await(() -> untilCaughtUp && Backlog.reembedderCaughtUp(clusters.kafka(), reembedder,
                        inputTopic), () -> FailureDiagnosis.requireAlive(clusters, reembedder));
            } catch (RuntimeException e) {
                throw FailureDiagnosis.explain(clusters, reembedder.name(), e);
            }
            ReembedMetrics metrics = reembedder.metrics();
            out.printf("Re-embedded into %s: %d events forwarded, %d texts embedded in %d batches (mean %.1f events,"
                            + " %.0f ms per model request, %.1f s in the model), %d from the cache, %d model retries,"
                            + " %d refused by the model (in %s)%n", config.outputTopic(), metrics.events(),
                    metrics.embedded(), metrics.batches(), metrics.meanBatchSize(), metrics.meanModelLatencyMs(),
                    metrics.modelSeconds(), metrics.cacheHits(), metrics.modelRetries(), metrics.deadLettered(),
                    Topics.embedDeadLetterTopicName(profile.id()));
            return Memshift.EXIT_OK;
        }
    }
}
