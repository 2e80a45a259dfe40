package io.memshift.control;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import dev.langchain4j.model.embedding.EmbeddingModel;
import io.memshift.clients.ElasticsearchClients;
import io.memshift.clients.StageInstance;
import io.memshift.exporter.DeleteGuardException;
import io.memshift.exporter.ExportOptions;
import io.memshift.exporter.ExportSummary;
import io.memshift.exporter.InvalidSourceException;
import io.memshift.exporter.Exporter;
import io.memshift.exporter.MemoryEventConverter;
import io.memshift.exporter.MemorySource;
import io.memshift.exporter.SourceUnavailableException;
import io.memshift.importer.ArrivalCheck;
import io.memshift.importer.BulkOutcome;
import io.memshift.importer.Importer;
import io.memshift.importer.ImporterConfig;
import io.memshift.importer.IndexLifecycle;
import io.memshift.reembedder.EmbeddingModels;
import io.memshift.reembedder.ModelProfile;
import io.memshift.reembedder.Reembedder;
import io.memshift.reembedder.ReembedderConfig;
import io.memshift.reembedder.VersionGate;
import io.memshift.reembedder.VersionGateConfig;
import io.memshift.schemas.Headers;
import io.memshift.schemas.Pipeline;
import io.memshift.schemas.SchemaRegistryClient;
import io.memshift.schemas.Stage;
import io.memshift.schemas.StageFailedException;
import io.memshift.clients.TopicSettings;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.Set;

/**
 * One migration: export the source to its pipeline (through the pipeline's version gate, which runs here too),
 * run the re-embedder and the importer in this process,
 * wait until the index holds every exported memory at its version (or newer), let what is still in flight
 * finish, then move the alias. The stages talk only through Kafka, exactly as they would as separate services.
 * What happens on the way is told to a {@link Listener}; the CLI prints it.
 */
public final class Migration {

    /**
     * The migration's settings.
     *
     * @param index        target index; null for {@link IndexNames#defaultIndex(Pipeline, String)}
     * @param alias        alias to point at the index at the end; null to leave every alias alone
     * @param stallTimeout give up when no memory has arrived for this long
     * @param drainTimeout once every memory is in, wait at most this long for records still in flight
     * @param instance     this process among the stages' instances (member ids, Kafka Streams state)
     * @param pipelineName the pipeline to write to ({@code --pipeline}); null for the store's own (see
     *                     {@link PipelineChoice#forSource}, checked once the source is valid, before anything is
     *                     published)
     * @param topic        the log topic to write to instead ({@code --topic}, as before pipelines); null if not given
     * @param topics       how a new pipeline's topics are created
     * @param aliasIsDefault the alias was not given: move it only if it serves no other pipeline's index (see
     *                     {@link PipelineChoice#mayTakeDefaultAlias}), else leave it and tell the listener
     */
    public record Options(MemorySource source, String modelId, String index, String alias, int batchSize,
                          Duration maxWait, int maxTextChars, Duration stallTimeout, Duration drainTimeout,
                          StageInstance instance, IndexShape shape, ExportOptions export, String pipelineName,
                          String topic, TopicSettings topics, boolean aliasIsDefault) {
    }

    /** What a migration tells while it runs, in this order; each default does nothing. */
    public interface Listener {

        /** How far a phase ({@code validate}, {@code publish}, {@code import}, {@code drain}) is; -1 if unknown. */
        default void progress(String phase, long done, long total) {
        }

        /** The current phase ended (its last {@link #progress} is final). */
        default void phaseEnded() {
        }

        /** The run works on {@code pipeline} and fills {@code index}. */
        default void pipeline(Pipeline pipeline, String index) {
        }

        /** The source is in {@code topic}: what was published, skipped, rejected or filtered. */
        default void exported(ExportSummary export, String topic) {
        }

        default void loadingModel(ModelProfile profile) {
        }

        default void stagesStarted(String embeddedTopic, String index) {
        }

        /** Every exported memory is in the index; the run now lets in-flight records finish. */
        default void allArrived(int memories) {
        }

        /** Records were still in flight when the drain timeout ran out; the next run applies them. */
        default void drainCutShort(long inFlight, Duration drainTimeout) {
        }

        /** The alias now points at the index; {@code previous} is where it pointed before (empty if new). */
        default void aliasMoved(String alias, String index, Set<String> previous) {
        }

        /** The default alias serves the indices of {@code pipelines}, other stores': it was left alone. */
        default void aliasLeft(String alias, String index, List<String> pipelines) {
        }
    }

    private static final long CHECK_INTERVAL_MS = 500;

    private final Clusters clusters;
    private final Options options;
    private final Listener listener;
    private final MeterRegistry meters;
    /** Continuous sync after the bulk load ({@code --follow}); null to end with it. */
    private final ContinuousSync follow;

    /** The stages keep their meters to themselves. */
    public Migration(Clusters clusters, Options options, Listener listener) {
        this(clusters, options, listener, null);
    }

    /**
     * @param meters where the stages' meters and their lag ({@link LagGauges}) go, e.g. a Prometheus registry;
     *               null to keep them to the stages
     */
    public Migration(Clusters clusters, Options options, Listener listener, MeterRegistry meters) {
        this(clusters, options, listener, meters, null);
    }

    /**
     * A migration that, once the bulk load is in and the changes made meanwhile are too, moves the alias and then
     * keeps following the store with {@code follow} until it is stopped (see {@link ContinuousSync}); a stop before
     * that leaves the alias alone.
     */
    public Migration(Clusters clusters, Options options, Listener listener, MeterRegistry meters,
                     ContinuousSync follow) {
        this.clusters = clusters;
        this.options = options;
        this.listener = listener;
        this.meters = meters;
        this.follow = follow;
    }

    /**
     * @return what the migration did; {@link MigrationSummary#failed()} is 0 only if every memory arrived
     * @throws MigrationFailedException if a stage stopped, or the memories stopped arriving
     */
    public MigrationSummary run() {
        Instant begin = Instant.now();
        ModelProfile profile = EmbeddingModels.profile(options.modelId());
        Pipeline pipeline = pipeline();
        String index = options.index() != null ? options.index() : IndexNames.defaultIndex(pipeline, profile.id());
        // Every cluster is asked first, so that a refused login or a missing permission stops the run before it
        // writes anything (topics, schemas, records, indices), and names the cluster and what it refused.
        AccessCheck.requireUsable(clusters, AccessCheck.Plan.migration(pipeline, profile.id(), index, options.alias()));
        refuseAnAliasNamedLikeAnIndex(index);
        listener.pipeline(pipeline, index);
        AtomicReference<PipelineRegistry.Entry> entry = new AtomicReference<>();
        ExportSummary export = export(entry);
        Pipelines pipelines = new Pipelines(clusters);
        pipelines.record(entry.get());
        TopicSettings topics = entry.get().topics();
        // After the export: the gate puts it (and whatever else waits on the intake) on the log while the stages run.
        try (VersionGate gate = new VersionGate(new VersionGateConfig(clusters.kafka(), clusters.schemaRegistry(),
                pipeline, topics, options.instance()))) {
            gate.start();
            return runStages(begin, profile, pipeline, topics, index, gate, export);
        }
    }

    private Pipeline pipeline() {
        try {
            return PipelineChoice.pipelineFor(options.source().storeName(), options.pipelineName(), options.topic());
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException(e.getMessage());
        }
    }

    /** Reads the source and the pipeline's log, and tells what the export would publish and delete; changes nothing. */
    public ExportSummary dryRun() {
        if (!options.export().dryRun()) {
            throw new IllegalStateException("dryRun() needs export options with dryRun set");
        }
        return export(new AtomicReference<>());
    }

    /**
     * Exports the source to its pipeline; once the source is known valid, and before anything is published, checks
     * that the store may go to that pipeline (see {@link PipelineChoice#forSource}), leaving the entry to record in
     * {@code chosen}.
     */
    private ExportSummary export(AtomicReference<PipelineRegistry.Entry> chosen) {
        MemorySource reader = options.source();
        MemoryEventConverter converter = MemoryEventConverter.forSource(reader, options.maxTextChars());
        Pipeline pipeline = pipeline();
        ExportSummary export;
        try {
            export = new Exporter(clusters.kafka(), new SchemaRegistryClient(clusters.schemaRegistry()), pipeline,
                    options.topics()).export(reader, converter, listener::progress, options.export(), () -> chosen.set(
                            new Pipelines(clusters).forSource(reader, options.pipelineName(), options.topic(),
                                    options.topics())));
        } catch (InvalidSourceException | SourceUnavailableException | InvalidRequestException
                 | DeleteGuardException badInput) {
            throw badInput;
        } catch (RuntimeException e) {
            throw FailureDiagnosis.explain(clusters, "exporter", e);
        }
        listener.phaseEnded();
        listener.exported(export, pipeline.log());
        return export;
    }

    private MigrationSummary runStages(Instant begin, ModelProfile profile, Pipeline pipeline, TopicSettings topics,
                                       String index, VersionGate gate, ExportSummary export) {
        MemorySource reader = options.source();
        StageInstance instance = options.instance();
        String topic = pipeline.log();

        listener.loadingModel(profile);
        EmbeddingModel model = profile.factory().get();
        ReembedderConfig reembedConfig = new ReembedderConfig(clusters.kafka(), clusters.schemaRegistry(),
                profile.id(), options.batchSize(), options.maxWait(), instance.stateDir(), 1, topic, topics,
                instance.id());
        ImporterConfig importConfig = ImporterConfig.of(clusters.kafka(), clusters.schemaRegistry(),
                clusters.elasticsearch(), reembedConfig.outputTopic(), index, options.shape().layout(),
                options.shape().mapping(profile.dims())).withInstance(instance.id());
        MeterRegistry stageMeters = meters != null ? meters : new SimpleMeterRegistry();

        try (Reembedder reembedder = new Reembedder(reembedConfig, profile, model, stageMeters);
             Importer importer = new Importer(importConfig, stageMeters);
             ElasticsearchClient es = ElasticsearchClients.connect(clusters.elasticsearch());
             LagGauges lag = meters == null ? null : new LagGauges(clusters, meters, LagGauges.DEFAULT_INTERVAL)) {
            if (lag != null) {
                lag.reembedder(profile.id(), reembedder.applicationId(), topic)
                        .importer(index, importConfig.groupId(), importConfig.topic());
            }
            reembedder.start();
            importer.start();
            listener.stagesStarted(reembedConfig.outputTopic(), index);
            // Done when every memory is in the index and every entity in its entity store (<index>_entities); the
            // snapshot's deletes must arrive too (as deletes at their version, or newer).
            Map<String, Long> expected = export.expectedWithDeletes();
            Map<String, Long> expectedEntities = export.entitiesExpectedWithDeletes();
            ArrivalCheck arrival = new ArrivalCheck(es, index, importConfig.layout(), expected, expectedEntities);
            awaitArrival(arrival, gate, reembedder, importer, reembedConfig.deadLetterTopic(),
                    expected.size() + expectedEntities.size());
            awaitDrained(gate, reembedder, importer, importConfig, arrival);
            ContinuousSync.Stages running = new ContinuousSync.Stages(gate, reembedder, importConfig, es, index,
                    importConfig.layout(), () -> requireAlive(arrival, gate, reembedder, importer));
            // With --follow, the alias moves only once the changes made during the bulk load are in too.
            boolean cutOver = follow == null || follow.catchUp(pipeline, topics, running, begin, export);

            Set<String> previous = Set.of();
            // Given no alias, the default one is taken only from this pipeline's indices (or earlier versions' one
            // log): a second store migrated with default flags never takes the first store's readers.
            List<String> others = options.alias() != null && options.aliasIsDefault()
                    ? new Pipelines(clusters).otherPipelinesServedBy(options.alias(), pipeline) : List.of();
            String alias = others.isEmpty() && cutOver ? options.alias() : null;
            if (!others.isEmpty()) {
                listener.aliasLeft(options.alias(), index, others);
            }
            if (alias != null) {
                previous = new AliasSwitch(es, clusters.kafka()).moveAlias(alias, index);
                listener.aliasMoved(alias, index, previous);
            } else {
                es.indices().refresh(r -> r.index(index, importConfig.entityIndex()));
            }
            if (follow != null && cutOver) {
                follow.followUntilStopped(pipeline, topics, running);
            }
            BulkOutcome outcome = importer.outcome();
            return new MigrationSummary(reader.name(), profile.id(), index, alias,
                    export.read(), export.rejected(), reembedder.metrics().embedded(), outcome.indexed(),
                    arrival.arrivedDeleted(), outcome.stale(), arrival.missingCount(), Duration.between(begin, Instant.now()));
        } catch (IOException e) {
            throw new UncheckedIOException("Elasticsearch at " + clusters.elasticsearch().url() + ": " + e.getMessage(), e);
        }
    }

    /**
     * An alias cannot take the name of an existing index (an app's collection, say): said now, before the work,
     * not after it, with the command that does take the name over.
     */
    private void refuseAnAliasNamedLikeAnIndex(String index) {
        if (options.alias() == null) {
            return;
        }
        try (ElasticsearchClient es = ElasticsearchClients.connect(clusters.elasticsearch())) {
            if (new IndexLifecycle(es).isIndex(options.alias())) {
                throw new InvalidRequestException("--alias " + options.alias() + " is an existing index at "
                        + clusters.elasticsearch() + " (an app's collection?), so it cannot become an alias here; run"
                        + " migrate with --no-cutover, then give the index's name to " + index + " with: memshift cutover"
                        + " --alias " + options.alias() + " --index " + index + " --take-over-index");
            }
        } catch (IOException e) {
            throw FailureDiagnosis.explain(clusters, "migration", new UncheckedIOException(
                    "Elasticsearch at " + clusters.elasticsearch() + ": " + e.getMessage(), e));
        } catch (MigrationFailedException e) {
            throw e;
        } catch (RuntimeException e) {
            // The migration's own checks (arrival in the index, lag) fail like a stage when a cluster goes away.
            throw FailureDiagnosis.explain(clusters, "migration", e);
        }
    }

    private void awaitArrival(ArrivalCheck arrival, VersionGate gate, Reembedder reembedder, Importer importer,
                              String deadLetterTopic, int expected) {
        long lastProgressMs = System.currentTimeMillis();
        int lastMissing = Integer.MAX_VALUE;
        while (true) {
            requireAlive(arrival, gate, reembedder, importer);
            int missing = arrival.check();
            listener.progress("import", expected - missing, expected);
            if (missing == 0) {
                listener.phaseEnded();
                listener.allArrived(expected);
                return;
            }
            long now = System.currentTimeMillis();
            long refused = reembedder.metrics().deadLettered();
            if (missing < lastMissing) {
                lastMissing = missing;
                lastProgressMs = now;
            } else if (refused >= missing && reembedder.metrics().pending() == 0 && now - lastProgressMs > 5_000) {
                // What is missing is what the model refused: waiting longer cannot bring it.
                throw new MigrationFailedException(missing + " of " + expected + " memories did not arrive: the model"
                        + " refused " + refused + " texts, set aside with the reasons (header " + Headers.DLQ_REASON + ") in"
                        + " topic " + deadLetterTopic
                        + "; e.g. " + arrival.someMissing(5) + ". The alias was not moved.");
            } else if (now - lastProgressMs > options.stallTimeout().toMillis()) {
                String stalled = missing + " of " + expected + " memories did not arrive in "
                        + options.stallTimeout().toSeconds() + " s without progress";
                String examples = "; e.g. " + arrival.someMissing(5);
                MigrationFailedException failure = new MigrationFailedException(stalled + examples);
                Diagnosis diagnosis = FailureDiagnosis.diagnose(clusters, "migration", failure);
                if (diagnosis.cause() != Diagnosis.Cause.OTHER) {
                    throw new StageStoppedException(diagnosis, stalled + ": " + diagnosis.explanation() + examples,
                            failure);
                }
                throw failure;
            }
            sleep(CHECK_INTERVAL_MS);
        }
    }

    /**
     * Every exported memory is in the index; now let the stages finish what is still in flight (older copies of
     * the log being re-embedded, say), so the run ends at rest: nothing waiting in a batch, both groups at the end
     * of their topics, and `cutover` not refused for lag. Live traffic can keep a pipeline from ever resting, so
     * this waits at most the drain timeout; what is left is applied by the next run or by `memshift import`.
     */
    private void awaitDrained(VersionGate gate, Reembedder reembedder, Importer importer, ImporterConfig importConfig,
                              ArrivalCheck arrival) {
        long deadline = System.currentTimeMillis() + options.drainTimeout().toMillis();
        long first = -1;
        while (true) {
            requireAlive(arrival, gate, reembedder, importer);
            long inFlight = Backlog.gate(clusters.kafka(), gate)
                    + Backlog.reembedder(clusters.kafka(), reembedder, gate.pipeline().log())
                    + Backlog.importer(importConfig);
            if (first < 0) {
                first = inFlight;
            }
            if (inFlight == 0) {
                listener.phaseEnded();
                return;
            }
            listener.progress("drain", Math.max(0, first - inFlight), first);
            if (System.currentTimeMillis() > deadline) {
                listener.phaseEnded();
                listener.drainCutShort(inFlight, options.drainTimeout());
                return;
            }
            sleep(CHECK_INTERVAL_MS);
        }
    }

    /**
     * The stages' one "still alive" rule ({@link Stage#requireAlive()}); a stage that stopped is explained
     * ({@link FailureDiagnosis}), with how much is not yet indexed.
     */
    private void requireAlive(ArrivalCheck arrival, Stage... stages) {
        for (Stage stage : stages) {
            try {
                stage.requireAlive();
            } catch (StageFailedException e) {
                Diagnosis diagnosis = FailureDiagnosis.diagnose(clusters, e.stage(), e.getCause());
                throw new StageStoppedException(diagnosis, diagnosis.message() + " (" + arrival.missingCount()
                        + " memories not yet indexed)", e);
            }
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MigrationFailedException("interrupted");
        }
    }
}
