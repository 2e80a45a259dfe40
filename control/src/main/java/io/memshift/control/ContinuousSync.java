package io.memshift.control;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import io.memshift.exporter.ChangePoller;
import io.memshift.exporter.DeleteGuardException;
import io.memshift.exporter.ExportOptions;
import io.memshift.exporter.ExportSummary;
import io.memshift.exporter.Exporter;
import io.memshift.exporter.InvalidSourceException;
import io.memshift.exporter.MaxDeletes;
import io.memshift.exporter.MemoryEventConverter;
import io.memshift.exporter.MemoryEventPublisher;
import io.memshift.exporter.MemorySource;
import io.memshift.exporter.SourceUnavailableException;
import io.memshift.importer.ArrivalCheck;
import io.memshift.importer.DocumentLayout;
import io.memshift.importer.ImporterConfig;
import io.memshift.reembedder.Reembedder;
import io.memshift.reembedder.VersionGate;
import io.memshift.clients.TopicSettings;
import io.memshift.schemas.Pipeline;
import io.memshift.schemas.SchemaRegistryClient;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Continuous sync ({@code migrate --follow}): after the bulk load, keeps the new index in step with a live store
 * until stopped. Every poll interval it reads what changed in the store since a watermark ({@link ChangePoller}),
 * minus an overlap, and publishes it to the pipeline's intake like any publisher; every reconcile interval it
 * exports the store whole as a snapshot ({@link Exporter} with reconciliation, under its {@code --max-deletes}
 * guard), which is how deletes are found: a delete leaves nothing in the store to poll. Exactly-once and order come
 * from the version gate and the stages, which the migration keeps running: a change polled twice, or polled and
 * exported, is forwarded once.
 *
 * <p>The watermark is the newest change seen, by the store's own timestamps; the overlap covers the store's refresh
 * delay and the clocks of several writers disagreeing (re-reading is harmless). The lag is the age of the oldest
 * change seen in the store that the index does not hold yet, measured by looking the changes up in the index.
 */
public final class ContinuousSync {

    /**
     * @param pollInterval      how often to ask the store what changed
     * @param reconcileInterval how often to export the store whole and delete what it lacks
     * @param overlap           how far behind the watermark each poll starts
     * @param reportInterval    how often to tell the lag, when nothing else is told
     * @param maxDeletes        the guard of each reconciliation; null for none at all (--no-reconcile)
     * @param export            the export's filters (--user, --agent, --run); a reconciliation stays within them
     * @param maxTextChars      longer texts are refused
     */
    public record Options(Duration pollInterval, Duration reconcileInterval, Duration overlap, Duration reportInterval,
                          MaxDeletes maxDeletes, ExportOptions export, int maxTextChars) {
    }

    /** What following tells while it runs; each default does nothing. */
    public interface Listener {

        /** The changes made during the bulk load are in the index: the alias may move now. */
        default void caughtUp(int changes, Duration took) {
        }

        /**
         * A poll found {@code fresh} changes this run had not seen (told only when it found some, or refused some);
         * it published {@code poll.published()}, the overlap's re-reads included (the gate drops those).
         */
        default void polled(ChangePoller.Poll poll, int fresh, Instant since) {
        }

        /** A periodic snapshot reconciliation ran. */
        default void reconciled(ExportSummary summary) {
        }

        /** A reconciliation would delete more than --max-deletes: nothing was deleted, following goes on. */
        default void reconcileRefused(String message) {
        }

        /** The store could not be read, or the snapshot was refused: following goes on, and tries again. */
        default void sourceFailed(String what, String message) {
        }

        /** The lag, every report interval. */
        default void lag(Lag lag) {
        }

        /** A stop was asked for before the changes made during the bulk load were in: the alias stays. */
        default void stoppedBeforeCaughtUp(int unapplied) {
        }

        /** A stop was asked for: {@code inFlight} records were still on their way after the drain. */
        default void stopped(long inFlight) {
        }
    }

    /**
     * How far behind the index is.
     *
     * @param oldest     age of the oldest change seen in the store not yet in the index; zero if there is none
     * @param unapplied  changes seen in the store not yet in the index
     * @param gate       events on the intake the gate has yet to read
     * @param reembedder records the re-embedder has yet to embed
     * @param importer   records the importer has yet to write
     */
    public record Lag(Duration oldest, int unapplied, long gate, long reembedder, long importer) {
    }

    /** The running stages of the migration, and the index they fill. */
    public record Stages(VersionGate gate, Reembedder reembedder, ImporterConfig importer, ElasticsearchClient es,
                         String index, DocumentLayout layout, Runnable requireAlive) {
    }

    private static final Duration STOP_DRAIN = Duration.ofSeconds(30);
    private static final long CHECK_MS = 500;

    private final Clusters clusters;
    private final MemorySource source;
    private final Options options;
    private final Listener listener;
    private final java.util.function.Supplier<CountDownLatch> stopSignal;
    private CountDownLatch stop = new CountDownLatch(1);
    private final MeterRegistry meters;
    /** Changes seen in the store, not yet found in the index: id to (highest version, oldest change, entity). */
    private final Map<String, Pending> pending = new HashMap<>();
    private volatile Lag lastLag = new Lag(Duration.ZERO, 0, 0, 0, 0);
    private PollWindow window;

    private record Pending(long version, Instant changedAt, boolean entity) {
    }


    /**
     * @param stop   called once, when following begins (after the bulk load): the latch that, counted down, stops
     *               following (a signal handler installed then); following then ends after the step it is in
     * @param meters where the lag gauges go ({@code memshift.follow.lag}, {@code memshift.follow.unapplied}); null
     *               for none
     */
    public ContinuousSync(Clusters clusters, MemorySource source, Options options, Listener listener,
                          java.util.function.Supplier<CountDownLatch> stop, MeterRegistry meters) {
        this.clusters = clusters;
        this.source = source;
        this.options = options;
        this.listener = listener;
        this.stopSignal = stop;
        this.meters = meters;
    }

    /**
     * Polls the changes made since the bulk load began (minus the overlap) and waits until the index holds them:
     * then the index is as current as the store was a poll ago, and the alias may move.
     *
     * @return true if caught up, false if stopped before
     */
    public boolean catchUp(Pipeline pipeline, TopicSettings topics, Stages stages, Instant bulkBegan) {
        Instant begin = Instant.now();
        stop = stopSignal.get();
        registerGauges();
        window = new PollWindow(bulkBegan, options.overlap());
        try (MemoryEventPublisher publisher = publisher(pipeline)) {
            ChangePoller poller = new ChangePoller(source, publisher, options.export(), options.maxTextChars());
            int changes = pollOnce(poller);
            while (!stopped()) {
                stages.requireAlive().run();
                if (checkArrivals(stages) == 0) {
                    listener.caughtUp(changes, Duration.between(begin, Instant.now()));
                    return true;
                }
                await(Duration.ofMillis(CHECK_MS));
            }
            listener.stoppedBeforeCaughtUp(pending.size());
            return false;
        }
    }

    /** Polls and reconciles until stopped; then lets what is in flight reach the index (at most 30 s). */
    public void followUntilStopped(Pipeline pipeline, TopicSettings topics, Stages stages) {
        stop = stopSignal.get();
        registerGauges();
        if (window == null) {
            window = new PollWindow(Instant.now(), options.overlap());
        }
        Exporter exporter = new Exporter(clusters.kafka(), new SchemaRegistryClient(clusters.schemaRegistry()),
                pipeline, topics);
        try (MemoryEventPublisher publisher = publisher(pipeline)) {
            ChangePoller poller = new ChangePoller(source, publisher, options.export(), options.maxTextChars());
            long nextPoll = 0;
            long nextReconcile = System.currentTimeMillis() + options.reconcileInterval().toMillis();
            long nextReport = 0;
            while (!stopped()) {
                stages.requireAlive().run();
                long now = System.currentTimeMillis();
                if (now >= nextPoll) {
                    pollOnce(poller);
                    nextPoll = System.currentTimeMillis() + options.pollInterval().toMillis();
                }
                if (options.maxDeletes() != null && now >= nextReconcile && !stopped()) {
                    reconcile(exporter);
                    nextReconcile = System.currentTimeMillis() + options.reconcileInterval().toMillis();
                }
                checkArrivals(stages);
                if (now >= nextReport) {
                    listener.lag(lag(stages));
                    nextReport = System.currentTimeMillis() + options.reportInterval().toMillis();
                }
                await(Duration.ofMillis(Math.max(50, Math.min(nextPoll - System.currentTimeMillis(), CHECK_MS * 2))));
            }
        }
        // Stopped: what was published is durable on the intake; let the stages apply it, so the run ends at rest.
        long deadline = System.currentTimeMillis() + STOP_DRAIN.toMillis();
        long inFlight = inFlight(stages);
        while (inFlight > 0 && System.currentTimeMillis() < deadline) {
            stages.requireAlive().run();
            sleep(CHECK_MS);
            inFlight = inFlight(stages);
        }
        listener.stopped(inFlight);
    }

    /** The last lag measured. */
    public Lag lastLag() {
        return lastLag;
    }

    private int pollOnce(ChangePoller poller) {
        Instant since = window.since();
        try {
            ChangePoller.Poll poll = poller.poll(since);
            int fresh = 0;
            for (Map.Entry<String, Instant> e : poll.changedAt().entrySet()) {
                String id = e.getKey();
                boolean entity = poll.entities().containsKey(id);
                long version = entity ? poll.entities().get(id) : poll.memories().get(id);
                if (!window.isNew(id, version, e.getValue())) {
                    continue; // seen by an earlier poll: the overlap re-reads it
                }
                // The first poll also sees what changed while the bulk load read the store (the export keeps no id
                // per memory): those were exported already and leave the pending set at the first arrival check.
                track(id, version, e.getValue(), entity);
                fresh++;
            }
            window.advance(poll.newest());
            if (poll.invalidCount() > 0 || fresh > 0) {
                listener.polled(poll, fresh, since);
            }
            return fresh;
        } catch (SourceUnavailableException | InvalidSourceException e) {
            listener.sourceFailed("poll", e.getMessage());
            return 0;
        }
    }

    private void track(String id, long version, Instant changedAt, boolean entity) {
        pending.merge(id, new Pending(version, changedAt, entity), (a, b) -> new Pending(
                Math.max(a.version(), b.version()), a.changedAt().isBefore(b.changedAt()) ? a.changedAt() : b.changedAt(),
                entity));
    }

    private void reconcile(Exporter exporter) {
        Instant began = Instant.now();
        try {
            ExportSummary summary = exporter.export(source, MemoryEventConverter.forSource(source, options.maxTextChars()),
                    (phase, done, total) -> { }, options.export().reconciling(options.maxDeletes(), false));
            long version = summary.reconciliation().deleteVersion();
            for (String id : summary.reconciliation().deletes()) {
                // A delete's moment is unknown (it left nothing behind): it was seen when the snapshot began.
                track(id, version, began, summary.reconciliation().entityDeletes().contains(id));
            }
            listener.reconciled(summary);
        } catch (DeleteGuardException refused) {
            listener.reconcileRefused(refused.getMessage());
        } catch (SourceUnavailableException | InvalidSourceException e) {
            listener.sourceFailed("reconciliation", e.getMessage());
        }
    }

    /** Looks the unapplied changes up in the index; returns how many are still not there. */
    private int checkArrivals(Stages stages) {
        if (pending.isEmpty()) {
            return 0;
        }
        Map<String, Long> memories = new HashMap<>();
        Map<String, Long> entities = new HashMap<>();
        pending.forEach((id, p) -> (p.entity() ? entities : memories).put(id, p.version()));
        ArrivalCheck check = new ArrivalCheck(stages.es(), stages.index(), stages.layout(), memories, entities);
        check.check();
        java.util.Set<String> missing = new java.util.HashSet<>();
        for (String id : check.someMissing(Integer.MAX_VALUE)) {
            missing.add(id.startsWith("entity ") ? id.substring("entity ".length()) : id);
        }
        pending.keySet().retainAll(missing);
        return pending.size();
    }

    private Lag lag(Stages stages) {
        Instant oldest = pending.values().stream().map(Pending::changedAt).min(Instant::compareTo).orElse(null);
        Duration age = oldest == null ? Duration.ZERO : Duration.between(oldest, Instant.now());
        Lag lag = new Lag(age.isNegative() ? Duration.ZERO : age, pending.size(), Backlog.gate(clusters.kafka(), stages.gate()),
                Backlog.reembedder(clusters.kafka(), stages.reembedder(), stages.gate().pipeline().log()),
                Backlog.importer(stages.importer()));
        lastLag = lag;
        return lag;
    }

    private long inFlight(Stages stages) {
        return Backlog.gate(clusters.kafka(), stages.gate())
                + Backlog.reembedder(clusters.kafka(), stages.reembedder(), stages.gate().pipeline().log())
                + Backlog.importer(stages.importer());
    }

    private boolean gaugesRegistered;

    private void registerGauges() {
        if (meters == null || gaugesRegistered) {
            return;
        }
        gaugesRegistered = true;
        Gauge.builder("memshift.follow.lag", this, s -> s.lastLag.oldest().toMillis() / 1000.0).baseUnit("seconds")
                .description("age of the oldest change seen in the store not yet in the index").register(meters);
        Gauge.builder("memshift.follow.unapplied", this, s -> s.lastLag.unapplied())
                .description("changes seen in the store not yet in the index").register(meters);
    }

    private MemoryEventPublisher publisher(Pipeline pipeline) {
        return new MemoryEventPublisher(clusters.kafka(), new SchemaRegistryClient(clusters.schemaRegistry()), pipeline,
                "follow-" + source.shortName());
    }

    private boolean stopped() {
        return stop.getCount() == 0;
    }

    /** Waits {@code time}, or less if a stop is asked for. */
    private void await(Duration time) {
        try {
            stop.await(time.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stop.countDown();
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
