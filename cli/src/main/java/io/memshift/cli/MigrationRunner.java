package io.memshift.cli;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import dev.langchain4j.model.embedding.EmbeddingModel;
import io.memshift.embedded.StackEndpoints;
import io.memshift.exporter.ExportOptions;
import io.memshift.exporter.ExportSummary;
import io.memshift.exporter.Exporter;
import io.memshift.exporter.MemorySource;
import io.memshift.exporter.MemoryEventConverter;
import io.memshift.importer.ArrivalCheck;
import io.memshift.importer.BulkOutcome;
import io.memshift.importer.ConsumerGroupLag;
import io.memshift.importer.ElasticsearchClients;
import io.memshift.importer.ImportException;
import io.memshift.importer.Importer;
import io.memshift.importer.ImporterConfig;
import io.memshift.importer.IndexLifecycle;
import io.memshift.reembedder.EmbeddingModels;
import io.memshift.reembedder.ModelProfile;
import io.memshift.reembedder.Reembedder;
import io.memshift.reembedder.ReembedderConfig;
import io.memshift.schemas.SchemaRegistryClient;
import io.memshift.schemas.Topics;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import org.apache.kafka.streams.KafkaStreams;

/**
 * Runs one migration: export the source to {@code memories}, run the re-embedder and the importer in this
 * process, wait until the index holds every exported memory at its version (or newer), then move the alias.
 * The stages talk only through Kafka, exactly as they would as separate services.
 */
final class MigrationRunner {

    /** The migration's settings, as given on the command line. */
    record Options(MemorySource source, String modelId, String index, String alias, int batchSize, Duration maxWait,
                   int maxTextChars, Duration stallTimeout, Duration drainTimeout, Path streamsStateDir,
                   IndexShapeOptions shape, ExportOptions export) {
    }

    private static final long CHECK_INTERVAL_MS = 500;

    private final StackEndpoints clusters;
    private final Options options;
    private final ProgressReporter progress;
    private final PrintWriter out;

    MigrationRunner(StackEndpoints clusters, Options options, ProgressReporter progress, PrintWriter out) {
        this.clusters = clusters;
        this.options = options;
        this.progress = progress;
        this.out = out;
    }

    MigrationSummary run() {
        Instant begin = Instant.now();
        ModelProfile profile = EmbeddingModels.profile(options.modelId());
        String index = options.index() != null ? options.index() : defaultIndex(profile);
        SchemaRegistryClient registry = new SchemaRegistryClient(clusters.schemaRegistryUrl());

        MemorySource reader = options.source();
        MemoryEventConverter converter = new MemoryEventConverter(reader.kind(),
                reader.shortName(), options.maxTextChars());
        ExportSummary export = new Exporter(clusters.bootstrapServers(), registry, Topics.DEFAULT_PARTITIONS)
                .export(reader, converter, progress::update, options.export());
        progress.close();
        describeExport(out, export, Topics.MEMORIES);

        say("Loading model %s (%d dims) ...", profile.id(), profile.dims());
        EmbeddingModel model = profile.factory().get();
        ReembedderConfig reembedConfig = ReembedderConfig.of(clusters.bootstrapServers(), clusters.schemaRegistryUrl(),
                profile.id(), options.batchSize(), options.maxWait(), options.streamsStateDir());
        ImporterConfig importConfig = ImporterConfig.of(clusters.bootstrapServers(), clusters.schemaRegistryUrl(),
                clusters.elasticsearchUrl(), Topics.embeddedTopicName(profile.id()), index,
                options.shape().mapping(profile.dims()));

        try (Reembedder reembedder = new Reembedder(reembedConfig, profile, model);
             Importer importer = new Importer(importConfig);
             ElasticsearchClient es = ElasticsearchClients.connect(clusters.elasticsearchUrl())) {
            reembedder.start();
            importer.start();
            say("Re-embedding into topic %s and importing into index %s ...", Topics.embeddedTopicName(profile.id()), index);
            ArrivalCheck arrival = new ArrivalCheck(es, index, export.expected());
            awaitArrival(arrival, reembedder, importer, export.expected().size());
            awaitDrained(reembedder, importer, importConfig, arrival);

            es.indices().refresh(r -> r.index(index));
            Set<String> previous = Set.of();
            if (options.alias() != null) {
                previous = new IndexLifecycle(es).cutover(options.alias(), index);
                say("Alias %s now points to %s%s", options.alias(), index,
                        previous.isEmpty() ? "" : " (before: " + String.join(", ", previous) + ")");
            }
            BulkOutcome outcome = importer.outcome();
            return new MigrationSummary(reader.name(), profile.id(), index, options.alias(),
                    export.read(), export.rejected(), reembedder.metrics().embedded(), outcome.indexed(),
                    arrival.arrivedAsTombstone(), outcome.stale(), arrival.missingCount(), Duration.between(begin, Instant.now()));
        } catch (IOException e) {
            throw new UncheckedIOException("Elasticsearch at " + clusters.elasticsearchUrl() + ": " + e.getMessage(), e);
        }
    }

    private void awaitArrival(ArrivalCheck arrival, Reembedder reembedder, Importer importer, int expected) {
        long lastProgressMs = System.currentTimeMillis();
        int lastMissing = Integer.MAX_VALUE;
        while (true) {
            failIfStopped(reembedder, importer, arrival);
            int missing = arrival.check();
            progress.update("import", expected - missing, expected);
            if (missing == 0) {
                progress.close();
                say("Every exported memory is in the index (%d); letting in-flight records finish ...", expected);
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
                        + " refused " + refused + " texts, set aside with the reasons (header memshift.dlq.reason) in"
                        + " topic " + Topics.embedDeadLetterTopicName(options.modelId())
                        + "; e.g. " + arrival.someMissing(5) + ". The alias was not moved.");
            } else if (now - lastProgressMs > options.stallTimeout().toMillis()) {
                throw new MigrationFailedException(missing + " of " + expected + " memories did not arrive in "
                        + options.stallTimeout().toSeconds() + " s without progress; e.g. " + arrival.someMissing(5));
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
    private void awaitDrained(Reembedder reembedder, Importer importer, ImporterConfig importConfig, ArrivalCheck arrival) {
        long deadline = System.currentTimeMillis() + options.drainTimeout().toMillis();
        long first = -1;
        while (true) {
            failIfStopped(reembedder, importer, arrival);
            long inFlight = Math.max(0, ConsumerGroupLag.of(clusters.bootstrapServers(), reembedder.applicationId(), Topics.MEMORIES))
                    + reembedder.metrics().pending()
                    + Math.max(0, ConsumerGroupLag.of(clusters.bootstrapServers(), importConfig.groupId(), importConfig.topic()));
            if (first < 0) {
                first = inFlight;
            }
            if (inFlight == 0) {
                progress.close();
                return;
            }
            progress.update("drain", Math.max(0, first - inFlight), first);
            if (System.currentTimeMillis() > deadline) {
                progress.close();
                say("Note: %d records were still in flight after %d s; the next run or `memshift import` applies them.",
                        inFlight, options.drainTimeout().toSeconds());
                return;
            }
            sleep(CHECK_INTERVAL_MS);
        }
    }

    private static void failIfStopped(Reembedder reembedder, Importer importer, ArrivalCheck arrival) {
        if (reembedder.failure() != null) {
            throw new MigrationFailedException("the re-embedder stopped: " + rootMessage(reembedder.failure())
                    + " (" + arrival.missingCount() + " memories not yet indexed)");
        }
        KafkaStreams.State state = reembedder.state();
        if (state == KafkaStreams.State.ERROR || state == KafkaStreams.State.NOT_RUNNING
                || state == KafkaStreams.State.PENDING_ERROR) {
            throw new MigrationFailedException("the re-embedder is " + state + " ("
                    + arrival.missingCount() + " memories not yet indexed)");
        }
        if (importer.failure() != null) {
            Throwable failure = importer.failure();
            throw new MigrationFailedException("the importer stopped: " + (failure instanceof ImportException
                    ? failure.getMessage() : rootMessage(failure)));
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root == e ? String.valueOf(e.getMessage()) : e.getMessage() + ": " + root.getMessage();
    }

    static void describeExport(PrintWriter out, ExportSummary export, String topic) {
        if (export.rejected() > 0) {
            out.printf("Set aside %d invalid records (reject file and topic %s)%n", export.rejected(), Topics.REJECTED);
        }
        if (export.filtered() > 0) {
            out.printf("Left out %d memories by the filters%n", export.filtered());
        }
        if (export.published() == 0 && export.skipped() > 0) {
            out.printf("Source already exported (%d memories, %d distinct) by an earlier run; nothing published"
                    + " (--restart publishes it again)%n", export.read(), export.expected().size());
        } else if (export.skipped() > 0) {
            out.printf("Resumed an interrupted export: %d memories were already published (by an earlier run), %d now;"
                    + " %d distinct in %s%n", export.skipped(), export.published(), export.expected().size(), topic);
        } else {
            out.printf("Exported %d memories (%d distinct) to topic %s%n", export.published(), export.expected().size(),
                    topic);
        }
        out.flush();
    }

    static String defaultIndex(ModelProfile profile) {
        return "memories-" + Topics.modelSlug(profile.id()) + "-1";
    }

    private void say(String format, Object... args) {
        out.println(String.format(format, args));
        out.flush();
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
