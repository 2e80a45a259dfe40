package io.memshift.reembedder;

import io.memshift.clients.KafkaClients;
import io.memshift.schemas.MemoryEvent;
import io.memshift.schemas.Pipeline;
import io.memshift.schemas.SchemaRegistryClient;
import io.memshift.schemas.Stage;
import io.memshift.schemas.Topic;
import io.memshift.clients.TopicSettings;
import io.memshift.schemas.Topics;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * The version gate of a pipeline: a Kafka Streams application (exactly_once_v2) that reads what every publisher
 * wrote to the pipeline's intake topic and forwards to its log only the events newer than every earlier event
 * of the same memory. It keeps the highest version of each memory in a changelogged store keyed by memory id, so
 * after a crash it resumes with exactly what it had forwarded.
 *
 * <p>Why: the log is compacted, and compaction keeps the last record of a key, not its highest version. Without
 * the gate, a live delete followed by an older exported copy of the same memory would leave only that copy once
 * the log is compacted, and a replay would bring the memory back. Behind the gate the last record of a key is
 * always its highest version, before and after compaction.
 *
 * <p>It also reads the log itself, only to raise the versions it remembers: a log written before the gate
 * existed (the {@code memories} topic of earlier versions) is then never followed by an older version either.
 *
 * <p>It lives beside the re-embedder because both are Kafka Streams applications (RocksDB state, the same health
 * rule). Any number of processes may run it for one pipeline: they share its partitions as one application.
 */
public final class VersionGate implements Stage {

    static final String STORE = "highest-versions";
    private static final String INTAKE_SOURCE = "intake-source";
    private static final String LOG_SOURCE = "log-source";
    private static final String GATE = "version-gate";
    private static final String LOG_SEED = "log-versions";
    private static final String SINK = "log-sink";

    /** What the gate did since it started, over all its tasks in this process. */
    public static final class Counts {
        final AtomicLong forwarded = new AtomicLong();
        final AtomicLong stale = new AtomicLong();
        final AtomicLong dropped = new AtomicLong();

        /** Events forwarded to the log: newer than anything of their memory before. */
        public long forwarded() {
            return forwarded.get();
        }

        /** Events held back: their memory already had this version or a newer one. */
        public long stale() {
            return stale.get();
        }
    }

    private final VersionGateConfig config;
    private final Counts counts = new Counts();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private KafkaStreams streams;

    public VersionGate(VersionGateConfig config) {
        this.config = config;
    }

    /** intake → gate (with its store) → log; the log → the store, to remember what it already holds. */
    public static Topology topology(Topic<String, MemoryEvent> intake, Topic<String, MemoryEvent> log, Counts counts) {
        // Persistent, as in the re-embedder: Streams then keeps its process id across restarts, so a restarted
        // instance fences its own crashed transaction at once. The store holds one long per memory.
        StoreBuilder<KeyValueStore<String, Long>> store = Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(STORE), Serdes.String(), Serdes.Long());
        Topology topology = new Topology();
        topology.addSource(INTAKE_SOURCE, intake.keySerde().deserializer(), intake.valueSerde().deserializer(),
                intake.name());
        topology.addSource(LOG_SOURCE, log.keySerde().deserializer(), log.valueSerde().deserializer(), log.name());
        topology.addProcessor(GATE, () -> new VersionGateProcessor(STORE, counts, true), INTAKE_SOURCE);
        topology.addProcessor(LOG_SEED, () -> new VersionGateProcessor(STORE, counts, false), LOG_SOURCE);
        topology.addStateStore(store, GATE, LOG_SEED);
        topology.addSink(SINK, log.name(), log.keySerde().serializer(), log.valueSerde().serializer(), GATE);
        return topology;
    }

    @Override
    public String name() {
        return "version gate";
    }

    /**
     * Creates the intake and the log if absent (the intake with as many partitions as an existing log: the gate
     * reads both in the same tasks), then starts the application.
     */
    @Override
    public synchronized void start() {
        SchemaRegistryClient registry = new SchemaRegistryClient(config.schemaRegistry());
        KafkaClients kafka = new KafkaClients(config.kafka());
        Pipeline pipeline = config.pipeline();
        try (Admin admin = kafka.admin()) {
            Topics.ensurePipeline(admin, pipeline, config.topics());
        }
        streams = new KafkaStreams(topology(Topics.memories(pipeline.intake(), registry),
                Topics.memories(pipeline.log(), registry), counts), streamsProps(kafka));
        streams.setUncaughtExceptionHandler(e -> {
            failure.compareAndSet(null, e);
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
        streams.start();
    }

    public Counts counts() {
        return counts;
    }

    public String applicationId() {
        return config.pipeline().gateApplicationId();
    }

    /**
     * The changelog Kafka Streams keeps the gate's store in: {@code <application id>-highest-versions-changelog},
     * under the topic prefix {@code memshift} (see README, "Kafka ACLs").
     */
    public static String changelogTopic(Pipeline pipeline) {
        return pipeline.gateApplicationId() + "-" + STORE + "-changelog";
    }

    public Pipeline pipeline() {
        return config.pipeline();
    }

    @Override
    public synchronized Stage.Health health() {
        return StreamsHealth.of(streams == null ? null : streams.state(), failure.get());
    }

    @Override
    public synchronized void close() {
        if (streams != null) {
            streams.close(Duration.ofSeconds(30));
            streams = null;
        }
    }

    private Properties streamsProps(KafkaClients kafka) {
        Properties props = kafka.streamsConfig(applicationId(), config.instance().staticMemberId(applicationId()),
                config.instance().stateDir());
        // The gate's work per event is a store lookup: one thread keeps up with any publisher of one process.
        props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
        // Its changelog is created like the pipeline's topics: a store lost with a broker would forget versions.
        config.topics().replication().ifPresent(rf -> props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, (int) rf));
        config.topics().config().forEach((key, value) -> props.put(StreamsConfig.topicPrefix(key), value));
        return props;
    }
}
