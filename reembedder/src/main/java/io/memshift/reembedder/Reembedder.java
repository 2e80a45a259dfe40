package io.memshift.reembedder;

import dev.langchain4j.model.embedding.EmbeddingModel;
import io.memshift.clients.KafkaClients;
import io.memshift.clients.TopicSettings;
import io.memshift.schemas.EmbeddedMemoryEvent;
import io.memshift.schemas.MemoryEvent;
import io.memshift.schemas.SchemaRegistry;
import io.memshift.schemas.SchemaRegistryClient;
import io.memshift.schemas.Stage;
import io.memshift.schemas.Topic;
import io.memshift.schemas.Pipeline;
import io.memshift.schemas.Topics;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * The re-embedding stage: a Kafka Streams application with exactly_once_v2 that reads {@code memories} and writes
 * {@code memories.embedded.<model>}, calling the model once per batch.
 *
 * <p>Time limits, chosen so that no model trouble can break exactly-once: Streams commits (one transaction)
 * every 100 ms, and a batch's model calls happen inside one transaction, so {@code transaction.timeout.ms} is
 * 60 s and {@code max.poll.interval.ms} stays at 5 minutes. Inside a flush, a remote request times out after
 * 30 s, waits at most 5 s for an earlier Retry-After, and no new request starts after 15 s: a flush ends within
 * about 50 s. LangChain4j's own retries are off; a rate limit or an outage never blocks the thread for longer than
 * that: the batch stays in the state store and is tried again later (Retry-After, or a backoff growing to 60 s)
 * while the stage keeps polling and committing.
 *
 * <p>Texts the model refuses for their content (400/413/422) go, as they came in, to {@code memories.dlq.<model>}
 * with the reason in the {@code memshift.dlq.reason} header, in the same transaction as the output.
 */
public final class Reembedder implements Stage {

    static final String PENDING_STORE = "pending-embeddings";
    static final String CACHE_STORE = "embedding-cache";
    private static final String SOURCE = "memories-source";
    private static final String PROCESSOR = "batching-embedder";
    private static final String SINK = "embedded-sink";
    private static final String DEAD_LETTER_SINK = "dead-letter-sink";

    private final ReembedderConfig config;
    private final ModelProfile profile;
    private final EmbeddingModel model;
    private final ReembedMetrics metrics;
    private final ResilientEmbedder embedder;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final OutputTransactions output = new OutputTransactions();
    private KafkaStreams streams;

    /** Meters in a registry of the stage's own; see {@link #metrics()}. */
    public Reembedder(ReembedderConfig config, ModelProfile profile, EmbeddingModel model) {
        this(config, profile, model, new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
    }

    /**
     * @param meters where the stage's meters go (e.g. a Prometheus registry); one stage per registry, since the
     *               meters are tagged by model only
     */
    public Reembedder(ReembedderConfig config, ModelProfile profile, EmbeddingModel model,
                      io.micrometer.core.instrument.MeterRegistry meters) {
        this.config = config;
        this.profile = profile;
        this.model = model;
        this.metrics = new ReembedMetrics(meters, profile.id());
        this.embedder = new ResilientEmbedder(model, profile, metrics);
    }

    /**
     * The whole stage: memories → batching embedder (with its changelogged store) → embedded topic, and the
     * pipeline's dead-letter topic of the model ({@code <input>.dlq.<model>}, as {@link ReembedderConfig} names it). The registry may be a real one or an {@link io.memshift.schemas.InMemorySchemaRegistry}
     * (to run the topology under {@code TopologyTestDriver}).
     */
    public static Topology topology(SchemaRegistry registry, ModelProfile profile, EmbeddingModel model,
                                    int batchSize, Duration maxWait, ReembedMetrics metrics, String inputTopic,
                                    String outputTopic) {
        return topology(Topics.memories(inputTopic, registry), Topics.embedded(outputTopic, registry),
                Topics.memories(Pipeline.ofLog(inputTopic).embedDeadLetters(profile.id()), registry), profile,
                new ResilientEmbedder(model, profile, metrics), batchSize, maxWait, metrics);
    }

    static Topology topology(Topic<String, MemoryEvent> input, Topic<String, EmbeddedMemoryEvent> output,
                             Topic<String, MemoryEvent> deadLetters, ModelProfile profile, ResilientEmbedder embedder,
                             int batchSize, Duration maxWait, ReembedMetrics metrics) {
        // Persistent (RocksDB), not in-memory, although the batch is small: with a persistent store Streams keeps
        // its process id across restarts, so a restarted instance reuses its transactional ids and fences its own
        // crashed transaction at once. With in-memory stores only, the id is new on each start, and a transaction
        // left open by a kill -9 would hold back every read_committed reader until transaction.timeout.ms.
        StoreBuilder<KeyValueStore<String, MemoryEvent>> pendingStore = Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(PENDING_STORE), input.keySerde(), input.valueSerde());
        Topology topology = new Topology();
        topology.addSource(SOURCE, input.keySerde().deserializer(), input.valueSerde().deserializer(), input.name());
        // No changelog for the cache: a vector is a function of its key, so whatever RocksDB holds locally is right
        // (even after a crash), and a task that moves starts empty. The changelog cost a record per embedded
        // memory as large as the output itself.
        StoreBuilder<KeyValueStore<String, byte[]>> cacheStore = Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(CACHE_STORE), Serdes.String(), Serdes.ByteArray()).withLoggingDisabled();
        topology.addProcessor(PROCESSOR, () -> new BatchingEmbedProcessor(PENDING_STORE, CACHE_STORE, SINK,
                DEAD_LETTER_SINK, embedder, profile, batchSize, maxWait, metrics), SOURCE);
        topology.addStateStore(pendingStore, PROCESSOR);
        topology.addStateStore(cacheStore, PROCESSOR);
        // The processor forwards SpecificRecords to both sinks; each sink gets only its own topic's type.
        topology.addSink(SINK, output.name(), output.keySerde().serializer(), anyRecord(output.valueSerde().serializer()),
                PROCESSOR);
        // In the same transaction as the output: a memory is either embedded or dead-lettered, exactly once.
        topology.addSink(DEAD_LETTER_SINK, deadLetters.name(), deadLetters.keySerde().serializer(),
                anyRecord(deadLetters.valueSerde().serializer()), PROCESSOR);
        return topology;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Serializer<SpecificRecord> anyRecord(Serializer<? extends SpecificRecord> serializer) {
        return (Serializer) serializer;
    }

    public static String applicationId(String modelId, int generation) {
        return applicationId(Topics.MEMORIES, modelId, generation);
    }

    /** One application (consumer group, transactional ids, state) per input topic, model and generation. */
    public static String applicationId(String inputTopic, String modelId, int generation) {
        String base = "memshift-reembed-" + (inputTopic.equals(Topics.MEMORIES) ? "" : inputTopic + "-")
                + Topics.modelSlug(modelId);
        return generation <= 1 ? base : base + "-g" + generation;
    }

    @Override
    public String name() {
        return "re-embedder";
    }

    @Override
    public synchronized void start() {
        SchemaRegistryClient registry = new SchemaRegistryClient(config.schemaRegistry());
        KafkaClients kafka = new KafkaClients(config.kafka());
        try (Admin admin = kafka.admin()) {
            // The output has as many partitions as the log, so as many importers can share it as re-embedders.
            TopicSettings topics = Topics.ensurePipeline(admin, config.pipeline(), config.topics());
            Topics.ensureExists(admin, topics,
                    Topics.embeddedTopic(config.outputTopic(), topics.partitions()),
                    new Topics.TopicSpec(config.deadLetterTopic(), topics.partitions(), java.util.Map.of()));
        }
        streams = new KafkaStreams(topology(Topics.memories(config.inputTopic(), registry),
                Topics.embedded(config.outputTopic(), registry), Topics.memories(config.deadLetterTopic(), registry), profile,
                embedder, config.batchSize(), config.maxWait(), metrics), streamsProps(kafka), output.clientSupplier());
        streams.setUncaughtExceptionHandler(e -> {
            failure.compareAndSet(null, e);
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
        streams.start();
    }

    /** Whether what the stage has sent is committed yet: see {@link OutputTransactions}. */
    public OutputTransactions outputTransactions() {
        return output;
    }

    public ReembedderConfig config() {
        return config;
    }

    public ReembedMetrics metrics() {
        return metrics;
    }

    /** The error that stopped the stage, if one did. */
    public Throwable failure() {
        return failure.get();
    }

    public KafkaStreams.State state() {
        return streams == null ? KafkaStreams.State.CREATED : streams.state();
    }

    /** See {@link StreamsHealth} for how Kafka Streams' states map to the stage's. */
    @Override
    public synchronized Stage.Health health() {
        return StreamsHealth.of(streams == null ? null : streams.state(), failure.get());
    }

    public String applicationId() {
        return applicationId(config.inputTopic(), config.modelId(), config.generation());
    }

    @Override
    public synchronized void close() {
        if (streams != null) {
            streams.close(Duration.ofSeconds(30));
            streams = null;
        }
        embedder.close();
    }

    private Properties streamsProps(KafkaClients kafka) {
        // Static membership: a restarted instance (after a crash, say) takes its tasks back at once instead of
        // waiting for the dead member's session to time out. Each instance has an id of its own, so several
        // instances share the application's tasks instead of fencing each other.
        Properties props = kafka.streamsConfig(applicationId(), applicationId() + "-" + config.instanceId(),
                config.stateDir());
        // The model already uses every core; more stream threads would only fight over them.
        props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
        props.put(StreamsConfig.producerPrefix(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG), 60_000);
        return props;
    }
}
