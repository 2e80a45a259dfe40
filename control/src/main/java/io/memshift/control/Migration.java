package io.memshift.control;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import dev.langchain4j.model.embedding.EmbeddingModel;
import io.memshift.clients.ElasticsearchClients;
import io.memshift.clients.KafkaClients;
import io.memshift.clients.StageInstance;
import io.memshift.clients.TopicSettings;
import io.memshift.exporter.DeleteGuardException;
import io.memshift.exporter.ExportOptions;
import io.memshift.exporter.ExportProgress;
import io.memshift.exporter.ExportSummary;
import io.memshift.exporter.Exporter;
import io.memshift.exporter.InvalidSourceException;
import io.memshift.exporter.MemoryEventConverter;
import io.memshift.exporter.MemorySource;
import io.memshift.exporter.SourceUnavailableException;
import io.memshift.importer.BulkOutcome;
import io.memshift.importer.DocumentLayout;
import io.memshift.importer.Importer;
import io.memshift.importer.ImporterConfig;
import io.memshift.importer.IndexLifecycle;
import io.memshift.importer.Refusal;
import io.memshift.reembedder.EmbeddingModels;
import io.memshift.reembedder.ModelProfile;
import io.memshift.reembedder.Reembedder;
import io.memshift.reembedder.ReembedderConfig;
import io.memshift.reembedder.VersionGate;
import io.memshift.reembedder.VersionGateConfig;
import io.memshift.schemas.DaemonThreads;
import io.memshift.schemas.Headers;
import io.memshift.schemas.Pipeline;
import io.memshift.schemas.SchemaRegistryClient;
import io.memshift.schemas.Stage;
import io.memshift.schemas.StageFailedException;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.streams.KafkaStreams;

/**
 * One migration: export the source to its pipeline's intake while the pipeline's version gate, the re-embedder
 * and the importer run in this process, wait until every exported memory has arrived in the index (decided from
 * the topics' offsets, see {@link LogArrival}), let what is still in flight finish, then move the alias. The
 * stages talk only through Kafka, exactly as they would as separate services.
 * What happens on the way is told to a {@link Listener}; the CLI prints it.
 */
public final class Migration {

    /**
     * The migration's settings.
     *
     * @param index        target index; null for {@link IndexNames#defaultIndex(Pipeline, String)}
     * @param alias        alias to point at the index at the end; null to leave every alias alone
     * @param batchSize    memories per flush of the re-embedder; 0 for the model's own default
     *                     ({@link io.memshift.reembedder.RequestLimits#defaultBatchSize()})
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

    /**
     * What a migration tells while it runs; each default does nothing. The export runs beside the stages: its
     * {@code validate} and {@code publish} progress comes from the export's own thread while the model loads and
     * the stages start, then {@link #exported}, the {@code import} progress, {@link #allArrived}, the drain and the
     * alias follow in this order.
     */
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

        /**
         * When ({@link System#nanoTime()}) the importer settled its first memory in the index, as the importer
         * recorded it; told once every memory has arrived. Progress reports start only after the export has ended.
         */
        default void firstIndexed(long nanoTime) {
        }

        /** Every exported memory arrived (see {@link LogArrival}); the run now lets in-flight records finish. */
        default void allArrived(long memories) {
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

    /** How often the migration looks at the stages: a few small admin requests, whatever the memory count. */
    private static final long CHECK_INTERVAL_MS = 200;
    private static final long READY_CHECK_INTERVAL_MS = 20;
    /** The export publishes after this long even if the stages are not ready yet (they catch up). */
    private static final long STAGES_READY_TIMEOUT_S = 60;
    /** Elasticsearch's reasons run long (a mapping error quotes the document); the topic's headers hold them whole. */
    private static final int REFUSAL_REASON_CHARS = 300;

    private final Clusters clusters;
    private final Options options;
    private final Listener listener;
    private final MeterRegistry meters;
    /** Continuous sync after the bulk load ({@code --follow}); null to end with it. */
    private final ContinuousSync follow;
    private final ModelProfile profile;

    /** The stages keep their meters to themselves. */
    public Migration(Clusters clusters, Options options, Listener listener) {
        this(clusters, options, listener, null, null, null);
    }

    /**
     * @param meters where the stages' meters and their lag ({@link LagGauges}) go, e.g. a Prometheus registry;
     *               null to keep them to the stages
     */
    public Migration(Clusters clusters, Options options, Listener listener, MeterRegistry meters) {
        this(clusters, options, listener, meters, null, null);
    }

    /**
     * A migration that, once the bulk load is in and the changes made meanwhile are too, moves the alias and then
     * keeps following the store with {@code follow} until it is stopped (see {@link ContinuousSync}); a stop before
     * that leaves the alias alone.
     */
    public Migration(Clusters clusters, Options options, Listener listener, MeterRegistry meters,
                     ContinuousSync follow) {
        this(clusters, options, listener, meters, null, follow);
    }

    /**
     * @param profile the model, when the caller built its profile itself (a bench's stand-in provider, say); null
     *                for the profile of {@code options.modelId()}
     */
    public Migration(Clusters clusters, Options options, Listener listener, MeterRegistry meters,
                     ModelProfile profile) {
        this(clusters, options, listener, meters, profile, null);
    }

    private Migration(Clusters clusters, Options options, Listener listener, MeterRegistry meters,
                      ModelProfile profile, ContinuousSync follow) {
        this.clusters = clusters;
        this.options = options;
        this.listener = listener;
        this.meters = meters;
        this.profile = profile;
        this.follow = follow;
    }

    /**
     * @return what the migration did; {@link MigrationSummary#failed()} is 0 only if every memory arrived
     * @throws MigrationFailedException if a stage stopped, or the memories stopped arriving
     */
    public MigrationSummary run() {
        Instant begin = Instant.now();
        ModelProfile profile = this.profile != null ? this.profile : EmbeddingModels.profile(options.modelId());
        Pipeline pipeline = pipeline();
        String index = options.index() != null ? options.index() : IndexNames.defaultIndex(pipeline, profile.id());
        IndexNames.requireValid(index, "--index");
        if (options.alias() != null) {
            IndexNames.requireValid(options.alias(), "--alias");
        }
        // The model loads while the clusters are asked and the source is read (an in-process model takes seconds
        // to load, on a core the checks leave idle). Loading writes nothing, so a refused run loses only the time.
        CompletableFuture<EmbeddingModel> modelLoad = CompletableFuture.supplyAsync(profile.factory(),
                runnable -> DaemonThreads.start("memshift-model-load", runnable));
        // The export runs beside the stages: each of its transactions goes through the gate, is re-embedded and
        // imported as soon as it commits, instead of after the whole source is on the intake.
        ExecutorService exporting = Executors.newSingleThreadExecutor(DaemonThreads.named("memshift-export"));
        CountDownLatch stagesReady = new CountDownLatch(1);
        AtomicReference<PipelineRegistry.Entry> chosen = new AtomicReference<>();
        ExportProgress progress = new ExportProgress() {
            @Override
            public void update(String phase, long done, long total) {
                listener.progress(phase, done, total);
            }

            @Override
            public void beforePublish() {
                // Validation ran while the model loaded; publishing waits for the stages, so that the first
                // memories go through at once instead of piling up before a consumer joins.
                try {
                    stagesReady.await(STAGES_READY_TIMEOUT_S, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new MigrationFailedException("interrupted before publishing");
                }
            }
        };
        // The source is read and validated while the clusters are asked, but the export touches its pipeline (the
        // registry, then topics) only once they have answered (accessChecked).
        CountDownLatch accessChecked = new CountDownLatch(1);
        Future<ExportSummary> exportRun = exporting.submit(() -> export(progress, chosen, accessChecked));
        try {
            // Every cluster is asked first, so that a refused login or a missing permission stops the run before it
            // writes anything (topics, schemas, records, indices), and names the cluster and what it refused.
            AccessCheck.requireUsable(clusters, AccessCheck.Plan.migration(pipeline, profile.id(), index,
                    options.alias()));
            refuseAnAliasNamedLikeAnIndex(index);
        } catch (RuntimeException refused) {
            exporting.shutdownNow(); // it has touched no cluster yet, and never will: nothing to wait for
            awaitAbandoned(modelLoad);
            throw refused;
        }
        accessChecked.countDown();
        listener.pipeline(pipeline, index);
        try {
            listener.loadingModel(profile);
            EmbeddingModel model = DaemonThreads.join(modelLoad); // a failed load throws as the factory threw
            // The stages start on the pipeline only once the store may go to it (checked when the source is
            // known valid): a refused --pipeline runs nothing on another store's pipeline.
            PipelineRegistry.Entry entry = awaitPipelineChecked(exportRun, chosen);
            return runStages(begin, profile, model, pipeline, entry, index, exportRun, stagesReady);
        } catch (InvalidSourceException | SourceUnavailableException | InvalidRequestException | DeleteGuardException
                 | MigrationFailedException expected) {
            throw expected;
        } catch (RuntimeException e) {
            // The export, or the migration's own checks (offsets, lag), fail like a stage when a cluster goes away.
            throw FailureDiagnosis.explain(clusters, "migration", e);
        } finally {
            // On a failure elsewhere the export stops too: its open transaction aborts, and a re-run resumes it.
            exporting.shutdownNow();
            try {
                exporting.awaitTermination(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
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
        ExportSummary export;
        try {
            export = export(listener::progress, new AtomicReference<>(), new CountDownLatch(0));
        } catch (InvalidSourceException | SourceUnavailableException | InvalidRequestException
                 | DeleteGuardException badInput) {
            throw badInput;
        } catch (RuntimeException e) {
            throw FailureDiagnosis.explain(clusters, "exporter", e);
        }
        listener.phaseEnded();
        listener.exported(export, pipeline().log());
        return export;
    }

    /**
     * Exports the source to its pipeline; once the source is known valid, and before anything is published, checks
     * that the store may go to that pipeline (see {@link PipelineChoice#forSource}), leaving the entry to record in
     * {@code chosen}.
     */
    private ExportSummary export(ExportProgress progress, AtomicReference<PipelineRegistry.Entry> chosen,
                                 CountDownLatch accessChecked) {
        MemorySource reader = options.source();
        MemoryEventConverter converter = MemoryEventConverter.forSource(reader, options.maxTextChars());
        return new Exporter(clusters.kafka(), new SchemaRegistryClient(clusters.schemaRegistry()), pipeline(),
                options.topics()).export(reader, converter, progress, options.export(), () -> {
                    await(accessChecked, "the clusters' answers");
                    chosen.set(new Pipelines(clusters).forSource(reader, options.pipelineName(), options.topic(),
                            options.topics()));
                });
    }

    /** Waits for the latch; an interrupt (the run stopped meanwhile) ends the export before it touches anything. */
    private static void await(CountDownLatch latch, String what) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MigrationFailedException("interrupted while waiting for " + what);
        }
    }

    /**
     * Waits until the export has checked the pipeline (the source is valid and may go to it), while it validates.
     * An export that failed meanwhile ends the migration as the export's own failure.
     */
    private PipelineRegistry.Entry awaitPipelineChecked(Future<ExportSummary> exportRun,
                                                        AtomicReference<PipelineRegistry.Entry> chosen) {
        while (chosen.get() == null) {
            if (exportRun.isDone()) {
                ExportSummary ignored = exportResult(exportRun);
                if (chosen.get() == null) {
                    throw new IllegalStateException("the export ended without choosing its pipeline");
                }
                break;
            }
            sleep(50);
        }
        return chosen.get();
    }

    private MigrationSummary runStages(Instant begin, ModelProfile profile, EmbeddingModel model, Pipeline pipeline,
                                       PipelineRegistry.Entry entry, String index, Future<ExportSummary> exportRun,
                                       CountDownLatch stagesReady) {
        MemorySource reader = options.source();
        StageInstance instance = options.instance();
        String topic = pipeline.log();
        TopicSettings topics = entry.topics();
        ReembedderConfig reembedConfig = new ReembedderConfig(clusters.kafka(), clusters.schemaRegistry(),
                profile.id(), options.batchSize() > 0 ? options.batchSize() : profile.limits().defaultBatchSize(),
                options.maxWait(), instance.stateDir(), 1, topic, topics, instance.id());
        ImporterConfig importConfig = options.shape().loading(ImporterConfig.of(clusters.kafka(),
                clusters.schemaRegistry(), clusters.elasticsearch(), reembedConfig.outputTopic(), index,
                options.shape().layout(), options.shape().mapping(profile.dims())).withInstance(instance.id()));
        MeterRegistry stageMeters = meters != null ? meters : new SimpleMeterRegistry();

        // Set when the export is refused (--max-deletes): the indices the importer created for this run.
        List<String> createdByRefusedRun = new ArrayList<>();
        // The gate forwards what the export puts on the intake (and whatever else waits there) to the log.
        try (VersionGate gate = new VersionGate(new VersionGateConfig(clusters.kafka(), clusters.schemaRegistry(),
                pipeline, topics, instance));
             Reembedder reembedder = new Reembedder(reembedConfig, profile, model, stageMeters);
             Importer importer = new Importer(importConfig, stageMeters);
             ElasticsearchClient es = ElasticsearchClients.connect(clusters.elasticsearch());
             Admin admin = new KafkaClients(clusters.kafka()).admin();
             LagGauges lag = meters == null ? null : new LagGauges(clusters, meters, LagGauges.DEFAULT_INTERVAL)) {
            if (lag != null) {
                lag.reembedder(profile.id(), reembedder.applicationId(), topic)
                        .importer(index, importConfig.groupId(), importConfig.topic());
            }
            Stage.startTogether(gate, reembedder, importer);
            listener.stagesStarted(reembedConfig.outputTopic(), index);
            ExportSummary export;
            try {
                export = awaitExport(exportRun, stagesReady, gate, reembedder, importer);
            } catch (DeleteGuardException refused) {
                createdByRefusedRun.addAll(importer.createdIndices());
                throw refused;
            }
            listener.phaseEnded();
            listener.exported(export, topic);
            new Pipelines(clusters).record(entry);

            // The export published to the intake; the gate forwards to the log only what is newer, so what reaches
            // the log is not what was published, counted: it is what lies below the log's end once the gate has
            // read the whole intake (the export's deletes too). That end is where the re-embedder must get.
            Backlog.awaitGate(clusters.kafka(), gate, options.stallTimeout());
            // Done when every record of the log, memories and the entities of Mem0's entity store alike, is
            // through both stages: the importer writes entities to <index>_entities from the same embedded
            // topic, and commits its positions only once both kinds of a poll are settled.
            LogArrival arrival = new LogArrival(admin, topic, reembedConfig.outputTopic(), reembedder, importer);
            arrival.exportCommitted();
            long exported = export.selected() + export.entities().selected()
                    + export.reconciliation().deletes().size();
            awaitArrival(arrival, gate, reembedder, importer, exported, reembedConfig.deadLetterTopic());
            importer.firstSettledNanoTime().ifPresent(listener::firstIndexed);
            awaitDrained(gate, reembedder, importer, importConfig, topic);
            ContinuousSync.Stages running = new ContinuousSync.Stages(gate, reembedder, importConfig, es, index,
                    importConfig.layout(), () -> requireAlive(-1, gate, reembedder, importer));
            // With --follow, the alias moves only once the changes made during the bulk load are in too.
            boolean cutOver = follow == null || follow.catchUp(pipeline, topics, running, begin);

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
                refuseToEmptyAServedAlias(es, alias, index, importConfig.layout(), reader.name());
                previous = new AliasSwitch(es, clusters.kafka()).moveAlias(alias, index);
                listener.aliasMoved(alias, index, previous);
            } else {
                es.indices().refresh(r -> r.index(index, importConfig.entityIndex()));
            }
            if (follow != null && cutOver) {
                follow.followUntilStopped(pipeline, topics, running);
            }
            BulkOutcome outcome = importer.outcome();
            long embedded = reembedder.metrics().embedded();
            // Done: the stages let go of their groups together (the resources below then close nothing twice).
            Stage.closeTogether(importer, reembedder, gate);
            return new MigrationSummary(reader.name(), profile.id(), index, alias,
                    export.read(), export.rejected(), embedded, outcome.indexed(),
                    outcome.deleted(), outcome.stale(), outcome.dead(), Duration.between(begin, Instant.now()));
        } catch (DeleteGuardException refused) {
            if (!createdByRefusedRun.isEmpty()) {
                // Refused before anything was published, and the stages are closed now: what the importer created
                // for this run (and only that: an index it found is never touched) is not left behind, with its
                // ledger. What such an index held came from the pipeline's topics, and a re-run creates it again
                // and fills it from the start.
                try (ElasticsearchClient es = ElasticsearchClients.connect(clusters.elasticsearch())) {
                    new IndexLifecycle(es).deleteUnserved(createdByRefusedRun);
                } catch (IOException | RuntimeException cleanup) {
                    refused.addSuppressed(cleanup);
                }
            }
            throw refused;
        } catch (IOException e) {
            throw FailureDiagnosis.explain(clusters, "migration", new UncheckedIOException(
                    "Elasticsearch at " + clusters.elasticsearch().url() + ": " + e.getMessage(), e));
        }
    }

    /**
     * Waits (a while) for a model load whose run is refused before it starts: the process exits right after the
     * refusal, and exiting while ONNX Runtime builds a session in native code crashed the JVM (SIGSEGV), which
     * lost the refusal's message and exit code. The load's own outcome no longer matters.
     */
    private static void awaitAbandoned(CompletableFuture<EmbeddingModel> modelLoad) {
        try {
            modelLoad.get(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // the refusal is what the run reports
        }
    }

    /**
     * A new index without a single memory never takes an alias that serves some: an empty file, or filters that
     * select nothing, would otherwise empty an app's store at once. The index stays, and {@code cutover} moves the
     * alias if that is really what is wanted.
     */
    private static void refuseToEmptyAServedAlias(ElasticsearchClient es, String alias, String index,
                                                  DocumentLayout layout, String source) throws IOException {
        if (!es.indices().existsAlias(a -> a.name(alias)).value()) {
            return;
        }
        es.indices().refresh(r -> r.index(index));
        long memories = es.count(c -> {
            c.index(index);
            layout.aliasFilter().ifPresent(c::query); // tombstones are not memories
            return c;
        }).count();
        if (memories > 0) {
            return;
        }
        long served = es.count(c -> c.index(alias)).count(); // through the alias, its own filter applies
        if (served > 0) {
            throw new MigrationFailedException("the new index " + index + " holds no memories (none came from "
                    + source + "), and alias " + alias + " serves " + served + ": the alias was not moved, so its"
                    + " readers keep them. To point it at the empty index anyway: memshift cutover --alias " + alias
                    + " --index " + index);
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
                        + clusters.elasticsearch().url() + " (an app's collection?), so it cannot become an alias here; run"
                        + " migrate with --no-cutover, then give the index's name to " + index + " with: memshift cutover"
                        + " --alias " + options.alias() + " --index " + index + " --take-over-index");
            }
        } catch (IOException e) {
            throw FailureDiagnosis.explain(clusters, "migration", new UncheckedIOException(
                    "Elasticsearch at " + clusters.elasticsearch().url() + ": " + e.getMessage(), e));
        } catch (MigrationFailedException e) {
            throw e;
        } catch (RuntimeException e) {
            // The migration's own checks fail like a stage when a cluster goes away.
            throw FailureDiagnosis.explain(clusters, "migration", e);
        }
    }

    /**
     * Waits for the export while the stages work, and lets it publish once the stages hold their partitions. A
     * stage that stops meanwhile ends the migration at once.
     */
    private ExportSummary awaitExport(Future<ExportSummary> exportRun, CountDownLatch stagesReady, VersionGate gate,
                                      Reembedder reembedder, Importer importer) {
        while (true) {
            try {
                // Until the stages are ready, looked at often: publishing, and so the whole run, waits for it.
                return exportRun.get(stagesReady.getCount() > 0 ? READY_CHECK_INTERVAL_MS : CHECK_INTERVAL_MS,
                        TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                requireAlive(-1, gate, reembedder, importer);
                if (gate.health().state() == Stage.State.RUNNING
                        && reembedder.state() == KafkaStreams.State.RUNNING
                        && importer.holdsPartitions()) {
                    stagesReady.countDown();
                }
            } catch (ExecutionException e) {
                return exportResult(exportRun);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new MigrationFailedException("interrupted");
            }
        }
    }

    /**
     * The finished export's summary, or its failure as if it ran here: bad input (exit 2) and an unreachable source
     * (exit 3) as they are, anything else explained as the exporter's failure.
     */
    private ExportSummary exportResult(Future<ExportSummary> exportRun) {
        try {
            return exportRun.get();
        } catch (ExecutionException e) {
            RuntimeException failure = e.getCause() instanceof RuntimeException r ? r
                    : new IllegalStateException(e.getCause());
            if (failure instanceof InvalidSourceException || failure instanceof SourceUnavailableException
                    || failure instanceof InvalidRequestException || failure instanceof DeleteGuardException) {
                throw failure;
            }
            throw FailureDiagnosis.explain(clusters, "exporter", failure);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MigrationFailedException("interrupted");
        }
    }

    /**
     * Waits until {@link LogArrival} says every exported memory arrived. Its bookkeeping is a few offsets per
     * partition, whatever the number of memories; progress is what the importer settled in this run.
     */
    private void awaitArrival(LogArrival arrival, VersionGate gate, Reembedder reembedder, Importer importer,
                              long expected, String deadLetterTopic) {
        long lastProgressMs = System.currentTimeMillis();
        long lastMark = -1;
        while (true) {
            requireAlive(arrival.importBacklog(), gate, reembedder, importer);
            boolean arrived = arrival.arrived();
            long settled = importer.outcome().settled();
            if (arrived) {
                listener.progress("import", Math.min(settled, expected), expected);
                listener.phaseEnded();
                failIfRefused(reembedder, importer, deadLetterTopic);
                listener.allArrived(expected);
                break;
            }
            listener.progress("import", Math.min(settled, expected), expected);
            long now = System.currentTimeMillis();
            long mark = settled + reembedder.metrics().events() + reembedder.metrics().deadLettered()
                    + reembedder.metrics().staleDropped();
            if (mark != lastMark) {
                lastMark = mark;
                lastProgressMs = now;
            } else if (now - lastProgressMs > options.stallTimeout().toMillis()) {
                String stalled = "the memories stopped arriving: no progress in " + options.stallTimeout().toSeconds()
                        + " s, with " + describeBacklog(arrival, reembedder);
                MigrationFailedException failure = new MigrationFailedException(stalled + ". The alias was not moved.");
                Diagnosis diagnosis = FailureDiagnosis.diagnose(clusters, "migration", failure);
                if (diagnosis.cause() != Diagnosis.Cause.OTHER) {
                    throw new StageStoppedException(diagnosis, stalled + ": " + diagnosis.explanation(), failure);
                }
                throw failure;
            }
            sleep(CHECK_INTERVAL_MS);
        }
    }

    /**
     * Once everything exported has gone through both stages: what the model or Elasticsearch refused for good is
     * not in the index, and never will be however long we wait, so the run fails without moving the alias, naming
     * where those memories wait, unchanged, with the reasons.
     */
    private static void failIfRefused(Reembedder reembedder, Importer importer, String modelDeadLetterTopic) {
        long refusedByModel = reembedder.metrics().deadLettered();
        if (refusedByModel > 0) {
            throw new MigrationFailedException(refusedByModel + " memories did not arrive: the model refused their"
                    + " texts, set aside with the reasons (header " + Headers.DLQ_REASON + ") in topic "
                    + modelDeadLetterTopic + ". The alias was not moved.");
        }
        long refusedByIndex = importer.outcome().dead() + importer.entityOutcome().dead();
        if (refusedByIndex > 0) {
            StringBuilder message = new StringBuilder().append(refusedByIndex)
                    .append(" memories did not arrive: Elasticsearch refused them for good, set aside unchanged with the")
                    .append(" reasons (headers ").append(Headers.ERROR_STATUS).append(", ").append(Headers.ERROR_REASON)
                    .append(") in topic ").append(importer.deadLetterTopic()).append(". The alias was not moved.");
            List<Refusal> first = importer.firstRefusals();
            message.append(first.size() < refusedByIndex ? " The first " + first.size() + ":" : " They are:");
            for (Refusal refusal : first) {
                message.append("\n  ").append(refusal.describe(REFUSAL_REASON_CHARS));
            }
            throw new MigrationFailedException(message.toString());
        }
    }

    private String describeBacklog(LogArrival arrival, Reembedder reembedder) {
        long reembed = arrival.reembedBacklog();
        long imports = arrival.importBacklog();
        long waiting = reembedder.metrics().pending();
        String failure = reembedder.metrics().lastModelFailure();
        // Records the re-embedder has read wait in its batch, not on the topic: "0 not yet re-embedded" read as if
        // nothing were left while the model never answered.
        return (reembed < 0 ? "the re-embedder's progress unknown" : reembed + " records of the export not yet read by"
                + " the re-embedder")
                + (waiting > 0 ? ", " + waiting + " waiting in its batch for the model" : "")
                + (imports < 0 ? "" : " and " + imports + " embedded records not yet imported")
                + (failure == null ? "" : "; the model " + options.modelId() + " did not answer ("
                + reembedder.metrics().modelRetries() + " tries, the last: " + failure + ")");
    }

    /**
     * Every exported memory is in the index; now let the stages finish what is still in flight (older copies of
     * the log being re-embedded, say), so the run ends at rest: nothing waiting in a batch, both groups at the end
     * of their topics, and `cutover` not refused for lag. Live traffic can keep a pipeline from ever resting, so
     * this waits at most the drain timeout; what is left is applied by the next run or by `memshift import`.
     */
    private void awaitDrained(VersionGate gate, Reembedder reembedder, Importer importer, ImporterConfig importConfig,
                              String topic) {
        long deadline = System.currentTimeMillis() + options.drainTimeout().toMillis();
        long first = -1;
        while (true) {
            requireAlive(-1, gate, reembedder, importer);
            long inFlight = Backlog.gate(clusters.kafka(), gate)
                    + Backlog.reembedder(clusters.kafka(), reembedder, topic)
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
     * ({@link FailureDiagnosis}), with how much is not yet imported.
     */
    private void requireAlive(long notYetImported, Stage... stages) {
        for (Stage stage : stages) {
            try {
                stage.requireAlive();
            } catch (StageFailedException e) {
                Diagnosis diagnosis = FailureDiagnosis.diagnose(clusters, e.stage(), e.getCause());
                throw new StageStoppedException(diagnosis, diagnosis.message() + (notYetImported < 0 ? ""
                        : " (" + notYetImported + " embedded records not yet imported)"), e);
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
