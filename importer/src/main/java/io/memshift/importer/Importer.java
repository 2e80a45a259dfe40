package io.memshift.importer;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import io.memshift.clients.ElasticsearchClients;
import io.memshift.clients.KafkaClients;
import io.memshift.schemas.EmbeddedMemoryEvent;
import io.memshift.schemas.Kind;
import io.memshift.schemas.SchemaRegistryClient;
import io.memshift.schemas.Stage;
import io.memshift.schemas.Topics;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The import stage: a {@code read_committed} consumer of the embedded topic that writes each poll's records to
 * Elasticsearch with one bulk and commits their offsets only after every item is settled. A crash anywhere
 * means some records are written again on restart, which the external versions make a no-op: the final index is
 * the same as after a clean run.
 *
 * <p>The topic also carries the entities of Mem0's entity store ({@code kind: ENTITY}); they go to the entity
 * store beside the index ({@link ImporterConfig#entityIndex()}), made with the index, in the same layout and shape,
 * by a writer of their own, within the same poll and commit.
 */
public final class Importer implements Stage {

    private static final Logger LOG = LoggerFactory.getLogger(Importer.class);

    private final ImporterConfig config;
    private final AtomicBoolean running = new AtomicBoolean();
    private final AtomicReference<BulkOutcome> outcome = new AtomicReference<>(BulkOutcome.EMPTY);
    private final AtomicReference<BulkOutcome> entityOutcome = new AtomicReference<>(BulkOutcome.EMPTY);
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private ElasticsearchClient es;
    private KafkaConsumer<String, EmbeddedMemoryEvent> consumer;
    private DeadLetterPublisher deadLetters;
    /**
     * What this instance last committed per partition: to skip commits that would change nothing, and for
     * {@link #committedPositions()}.
     */
    private final Map<TopicPartition, Long> committed = new java.util.concurrent.ConcurrentHashMap<>();
    /** The partitions this instance holds in its group, as of its last rebalance. */
    private final Set<TopicPartition> held = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private boolean closed;
    private volatile Thread thread;
    /** {@link System#nanoTime()} when the first memory was settled in the index; 0 before. */
    private volatile long firstSettledNanos;
    /** The indices {@link #start()} created (the index, its entity store, or both): a refused run removes just those. */
    private volatile Set<String> createdIndices = Set.of();
    /** The first refusals of this run, to name in a report: each one is on the dead-letter topic anyway. */
    private final List<Refusal> firstRefusals = new java.util.concurrent.CopyOnWriteArrayList<>();
    static final int REFUSALS_KEPT = 5;

    private final ImportMetrics metrics;

    /** Meters in a registry of the stage's own; see {@link #metrics()}. */
    public Importer(ImporterConfig config) {
        this(config, new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
    }

    /** @param meters where the stage's meters go (e.g. a Prometheus registry), tagged with the index */
    public Importer(ImporterConfig config, io.micrometer.core.instrument.MeterRegistry meters) {
        this.config = config;
        this.metrics = new ImportMetrics(meters, config.index());
    }

    @Override
    public String name() {
        return "importer";
    }

    /** The indices this importer's start created (rather than found): its index, its entity store, both or none. */
    public Set<String> createdIndices() {
        return createdIndices;
    }

    /** Creates the index and its entity store if needed, then consumes in a thread of its own until {@link #close()}. */
    @Override
    public synchronized void start() {
        es = ElasticsearchClients.connect(config.elasticsearch());
        IndexLifecycle lifecycle = new IndexLifecycle(es);
        // The entity store is made with the index, empty if the source has no entities, so that a cutover always
        // has both to move.
        createdIndices = Set.copyOf(lifecycle.ensureIndices(List.of(config.index(), config.entityIndex()),
                config.layout(), config.mapping(), config.topic()));
        boolean created = !createdIndices.isEmpty();
        SchemaRegistryClient registry = new SchemaRegistryClient(config.schemaRegistry());
        KafkaClients kafka = new KafkaClients(config.kafka());
        consumer = Topics.embedded(config.topic(), registry).consumer(consumerProps(kafka));
        // A new index must receive every memory, even if this group read the topic before (for an index since
        // deleted): rewind on the first assignment.
        consumer.subscribe(List.of(config.topic()), new RewindOnce(created));
        ElasticsearchWriter writer = writer(config.index());
        ElasticsearchWriter entityWriter = writer(config.entityIndex());
        deadLetters = new DeadLetterPublisher(kafka, registry, config.index());
        running.set(true);
        thread = new Thread(() -> run(writer, entityWriter), "memshift-importer-" + config.index());
        thread.start();
    }

    private ElasticsearchWriter writer(String index) {
        return new ElasticsearchWriter(es, index, config.layout(), config.bulkEncoding(), config.maxBulkDocs(),
                config.maxBulkBytes(), config.maxInFlight(), RetryPolicy.BACKOFF, metrics);
    }

    private void run(ElasticsearchWriter writer, ElasticsearchWriter entityWriter) {
        try {
            while (running.get()) {
                ConsumerRecords<String, EmbeddedMemoryEvent> records = consumer.poll(Duration.ofMillis(500));
                if (!records.isEmpty()) {
                    metrics.polled(records.count());
                    List<EmbeddedMemoryEvent> memories = new ArrayList<>();
                    List<EmbeddedMemoryEvent> entities = new ArrayList<>();
                    for (EmbeddedMemoryEvent event : newestPerMemory(records)) {
                        (event.getMemory().getKind() == Kind.ENTITY ? entities : memories).add(event);
                    }
                    write(writer, memories, outcome);
                    write(entityWriter, entities, entityOutcome);
                }
                commitPositions();
            }
        } catch (WakeupException e) {
            // close() asked us to stop
        } catch (RuntimeException e) {
            LOG.error("importer stopped: {}", e.getMessage());
            failure.set(e);
        } finally {
            consumer.close(Duration.ofSeconds(10));
            writer.close();
            entityWriter.close();
            deadLetters.close();
        }
    }

    private void write(ElasticsearchWriter writer, List<EmbeddedMemoryEvent> events, AtomicReference<BulkOutcome> total) {
        if (events.isEmpty()) {
            return;
        }
        ElasticsearchWriter.Result result = writer.write(events);
        // Refused memories must be durable in the dead-letter topic before their offsets commit.
        deadLetters.publish(result.rejected());
        for (RejectedItem item : result.rejected()) {
            if (firstRefusals.size() >= REFUSALS_KEPT) {
                break;
            }
            firstRefusals.add(new Refusal(item.event().getMemory().getId(), item.status(), item.reason()));
        }
        total.accumulateAndGet(result.outcome(), BulkOutcome::plus);
        metrics.settled(result.outcome());
        if (firstSettledNanos == 0 && outcome.get().settled() > 0) {
            firstSettledNanos = System.nanoTime();
        }
    }

    /** Within one poll, only the newest version of each memory needs writing. */
    private static List<EmbeddedMemoryEvent> newestPerMemory(ConsumerRecords<String, EmbeddedMemoryEvent> records) {
        Map<String, EmbeddedMemoryEvent> newest = new HashMap<>();
        for (ConsumerRecord<String, EmbeddedMemoryEvent> record : records) {
            if (record.value() != null) {
                newest.merge(record.key(), record.value(),
                        (a, b) -> b.getMemory().getVersion() >= a.getMemory().getVersion() ? b : a);
            }
        }
        return new ArrayList<>(newest.values());
    }

    /**
     * Commits the consumer's position on every assigned partition: everything before it has been written. The
     * position, not last record + 1, because a read_committed consumer also steps over transaction markers
     * (the re-embedder writes transactionally), and a group is caught up only once it is past them.
     */
    private void commitPositions() {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (TopicPartition partition : consumer.assignment()) {
            long position = consumer.position(partition);
            if (!Long.valueOf(position).equals(committed.get(partition))) {
                offsets.put(partition, new OffsetAndMetadata(position));
            }
        }
        if (!offsets.isEmpty()) {
            consumer.commitSync(offsets);
            offsets.forEach((partition, offset) -> committed.put(partition, offset.offset()));
        }
    }

    public ImportMetrics metrics() {
        return metrics;
    }

    /** {@link System#nanoTime()} when this instance settled its first memory in the index; empty before. */
    public java.util.OptionalLong firstSettledNanoTime() {
        long at = firstSettledNanos;
        return at == 0 ? java.util.OptionalLong.empty() : java.util.OptionalLong.of(at);
    }

    /**
     * Whether this instance holds partitions of its topic: it has joined its group, and records sent now reach it.
     * Known at once on assignment, where {@link #committedPositions()} waits for a first poll to end (up to its
     * timeout when nothing has been sent yet).
     */
    public boolean holdsPartitions() {
        return !held.isEmpty();
    }

    /**
     * The positions this instance has committed, per partition it holds: everything before them is settled in the
     * index (written, stale, or dead-lettered). Empty until its first commit after joining its group, so a
     * position committed by an earlier run (before a rewind, say) never shows here.
     */
    public Map<TopicPartition, Long> committedPositions() {
        return Map.copyOf(committed);
    }

    /** What became of the memories written so far. */
    public BulkOutcome outcome() {
        return outcome.get();
    }

    /** What became of the entities written so far (to {@link ImporterConfig#entityIndex()}). */
    public BulkOutcome entityOutcome() {
        return entityOutcome.get();
    }

    /**
     * The first memories (and entities) Elasticsearch refused for good in this run, at most {@value #REFUSALS_KEPT};
     * all of them are on {@link #deadLetterTopic()}, counted in {@link BulkOutcome#dead()}.
     */
    public List<Refusal> firstRefusals() {
        return List.copyOf(firstRefusals);
    }

    /** Where memories Elasticsearch refused for good go, unchanged, with the reasons in their headers. */
    public String deadLetterTopic() {
        return io.memshift.schemas.Topics.importDlqTopicName(config.index());
    }

    /** The error that stopped the importer, if one did. */
    public Throwable failure() {
        return failure.get();
    }

    /** Running while its consumer thread runs; failed once an error ended that thread. */
    @Override
    public Stage.Health health() {
        Throwable stopped = failure.get();
        if (stopped != null) {
            return Stage.Health.failed(stopped);
        }
        Thread consuming = thread;
        if (consuming == null || !running.get()) {
            return Stage.Health.of(Stage.State.STOPPED);
        }
        // Started and not closed, yet the thread is gone: an Error (not an exception) ended it.
        return consuming.isAlive() ? Stage.Health.of(Stage.State.RUNNING)
                : Stage.Health.failed(new IllegalStateException("its consumer thread ended unexpectedly"));
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        running.set(false);
        if (consumer != null && thread != null) {
            consumer.wakeup();
            try {
                thread.join(30_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (es != null) {
            try {
                es._transport().close();
            } catch (IOException e) {
                LOG.warn("closing the Elasticsearch client: {}", e.getMessage());
            }
        }
    }

    private Properties consumerProps(KafkaClients kafka) {
        // Static membership: a restarted importer (after a crash, say) takes its partitions back at once instead
        // of waiting for the dead member's session to time out.
        Properties props = kafka.groupConsumerConfig(config.groupId(), config.staticMemberId());
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, config.maxPoll());
        return props;
    }

    private final class RewindOnce implements ConsumerRebalanceListener {
        private boolean rewind;

        RewindOnce(boolean rewind) {
            this.rewind = rewind;
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            partitions.forEach(committed::remove);
            held.removeAll(partitions); // also on a lost assignment: onPartitionsLost's default calls this
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            if (rewind) {
                consumer.seekToBeginning(partitions);
                rewind = false;
            }
            held.addAll(partitions);
        }
    }
}
