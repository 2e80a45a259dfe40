package io.memshift.schemas;

import io.memshift.clients.TopicSettings;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ExecutionException;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * Every topic of the pipeline, its settings and its serdes, declared once. Keys are always the memory id as a
 * UTF-8 string, so that all events of one memory land in one partition, in order. A {@link Topic} binds a name to
 * its serdes ({@link #memories}, {@link #embedded}, {@link #embedDeadLetters}, {@link #importDeadLetters}); a
 * {@link TopicSpec} says how to create it.
 */
public final class Topics {

    /** The durable log of memories: re-embedding later is a replay of this topic, not a re-export. */
    public static final String MEMORIES = "memories";
    private static final String EMBEDDED_PREFIX = "memories.embedded.";
    private static final String IMPORT_DLQ_PREFIX = "memories.import-dlq.";
    /** Records an export set aside (with --skip-invalid), as JSON with the reason; not compacted. */
    public static final String REJECTED = "memories.rejected";
    /** Where each export notes how far it got, in the same transaction as the events it covers. */
    public static final String EXPORT_CHECKPOINTS = "memshift.export-checkpoints";
    /** What memshift knows of each {@link Pipeline}: its stores, alias and topic settings, keyed by its name. */
    public static final String PIPELINES = "memshift.pipelines";
    private static final Pattern NOT_TOPIC_SAFE = Pattern.compile("[^a-z0-9._-]+");

    public static final int DEFAULT_PARTITIONS = 3;

    private Topics() {
    }

    /** A topic to create if absent. */
    public record TopicSpec(String name, int partitions, Map<String, String> config) {
    }

    /**
     * Compacted: the latest event per memory is kept forever, so a replay yields the current state of every
     * memory. DELETE events are ordinary records (not tombstones) because they carry the version that keeps
     * a late, older upsert from resurrecting the memory downstream.
     */
    public static TopicSpec memoriesTopic(int partitions) {
        return memoriesTopic(MEMORIES, partitions);
    }

    /** A topic of memory events under another name (a test's, a second pipeline's): configured as {@code memories}. */
    public static TopicSpec memoriesTopic(String name, int partitions) {
        return new TopicSpec(name, partitions, compacted());
    }

    public static String embeddedTopicName(String modelId) {
        return embeddedTopicName(modelId, 1);
    }

    /** Generation 1 is {@code memories.embedded.<slug>}; a replay's generation N writes {@code ...<slug>.gN}. */
    public static String embeddedTopicName(String modelId, int generation) {
        return EMBEDDED_PREFIX + modelSlug(modelId) + (generation <= 1 ? "" : ".g" + generation);
    }

    /**
     * The output of re-embedding {@code inputTopic}: for {@code memories}, as {@link #embeddedTopicName(String,
     * int)}; for any other input topic {@code <input>.embedded.<slug>[.gN]}, so that two pipelines with the same
     * model never share an output topic.
     */
    public static String embeddedTopicName(String inputTopic, String modelId, int generation) {
        if (inputTopic.equals(MEMORIES)) {
            return embeddedTopicName(modelId, generation);
        }
        return inputTopic + ".embedded." + modelSlug(modelId) + (generation <= 1 ? "" : ".g" + generation);
    }

    /**
     * The generation whose output {@code topic} is, when re-embedding {@code inputTopic} with {@code modelId}: the
     * inverse of {@link #embeddedTopicName(String, String, int)}, empty for any name that method does not build.
     */
    public static OptionalInt embeddedTopicGeneration(String topic, String inputTopic, String modelId) {
        String first = embeddedTopicName(inputTopic, modelId, 1);
        if (topic.equals(first)) {
            return OptionalInt.of(1);
        }
        String prefix = first + ".g";
        if (!topic.startsWith(prefix) || topic.length() == prefix.length() || topic.length() > prefix.length() + 9) {
            return OptionalInt.empty();
        }
        String digits = topic.substring(prefix.length());
        if (!digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return OptionalInt.empty();
        }
        int generation = Integer.parseInt(digits);
        // Only what the builder makes: no ".g1" or ".g02".
        return embeddedTopicName(inputTopic, modelId, generation).equals(topic)
                ? OptionalInt.of(generation) : OptionalInt.empty();
    }

    public static TopicSpec embeddedTopic(String modelId, int generation, int partitions) {
        return embeddedTopic(embeddedTopicName(modelId, generation), partitions);
    }

    /** A re-embedder output topic: compacted, like its input. */
    public static TopicSpec embeddedTopic(String topicName, int partitions) {
        return new TopicSpec(topicName, partitions, compacted());
    }

    /**
     * Where the importer puts memories Elasticsearch refuses for good (a mapping error, say), with the reason in
     * the record headers. Not compacted: every refusal is kept.
     */
    public static TopicSpec importDlqTopic(String index, int partitions) {
        return new TopicSpec(importDlqTopicName(index), partitions, Map.of());
    }

    /** Compacted, one partition: the latest checkpoint of each source is all that matters. */
    public static TopicSpec exportCheckpointsTopic() {
        return new TopicSpec(EXPORT_CHECKPOINTS, 1, compacted());
    }

    /** Compacted, one partition: the latest record of each pipeline is all that matters. */
    public static TopicSpec pipelinesTopic() {
        return new TopicSpec(PIPELINES, 1, compacted());
    }

    public static String importDlqTopicName(String index) {
        return IMPORT_DLQ_PREFIX + index;
    }

    /**
     * The re-embedder's dead letters for one model: memories whose text the model refused (e.g. a 400 for an
     * input over its token limit), as they came in, with the reason in the headers. One topic per model, shared by
     * its replays: a memory refused once is refused again, and the topic is the list to fix.
     */
    public static String embedDeadLetterTopicName(String modelId) {
        return "memories.dlq." + modelSlug(modelId);
    }

    public static TopicSpec embedDeadLetterTopic(String modelId, int partitions) {
        return new TopicSpec(embedDeadLetterTopicName(modelId), partitions, Map.of());
    }

    /**
     * A model id ({@code onnx:bge-small-en-v15}) as it may appear in topic, group and index names:
     * lower case, anything but letters, digits, '.', '_' and '-' turned into '-'.
     */
    public static String modelSlug(String modelId) {
        String slug = NOT_TOPIC_SAFE.matcher(modelId.toLowerCase(Locale.ROOT)).replaceAll("-");
        if (slug.isEmpty() || slug.chars().allMatch(c -> c == '-')) {
            throw new IllegalArgumentException("model id '" + modelId + "' has nothing usable in a topic name");
        }
        return slug;
    }

    private static Map<String, String> compacted() {
        return Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT);
    }

    /** The memories topic, {@value #MEMORIES}: memory id → {@link MemoryEvent}. */
    public static Topic<String, MemoryEvent> memories(SchemaRegistry registry) {
        return memories(MEMORIES, registry);
    }

    /** A topic of memory events under another name (a test's, a second pipeline's input). */
    public static Topic<String, MemoryEvent> memories(String name, SchemaRegistry registry) {
        return new Topic<>(name, keySerde(), memoryEventSerde(registry));
    }

    /** A re-embedder output topic (see {@link #embeddedTopicName(String, String, int)}): memory id → vector. */
    public static Topic<String, EmbeddedMemoryEvent> embedded(String name, SchemaRegistry registry) {
        return new Topic<>(name, keySerde(), embeddedMemoryEventSerde(registry));
    }

    /** The re-embedder's dead letters for one model: the memories it refused, as they came in. */
    public static Topic<String, MemoryEvent> embedDeadLetters(String modelId, SchemaRegistry registry) {
        return memories(embedDeadLetterTopicName(modelId), registry);
    }

    /** The importer's dead letters for one index: the embedded memories Elasticsearch refused. */
    public static Topic<String, EmbeddedMemoryEvent> importDeadLetters(String index, SchemaRegistry registry) {
        return embedded(importDlqTopicName(index), registry);
    }

    /** The memories topic's key serde: every topic of the pipeline is keyed by memory id. */
    private static Serde<String> keySerde() {
        return Serdes.String();
    }

    /** The value serde of a topic of memory events; bound to its topic by {@link #memories}. */
    private static Serde<MemoryEvent> memoryEventSerde(SchemaRegistry registry) {
        return new ConfluentAvroSerde<>(registry, MemoryEvent.class);
    }

    /** The value serde of a re-embedder output topic; bound to its topic by {@link #embedded}. */
    private static Serde<EmbeddedMemoryEvent> embeddedMemoryEventSerde(SchemaRegistry registry) {
        return new ConfluentAvroSerde<>(registry, EmbeddedMemoryEvent.class);
    }

    /** Creates each topic that does not exist yet; an existing topic is left as it is. */
    public static void ensureExists(Admin admin, TopicSpec... specs) {
        ensureExists(admin, TopicSettings.DEFAULT, specs);
    }

    /**
     * A pipeline's intake and log (see {@link Pipeline}), created if absent with {@code settings}. The version
     * gate reads both in the same tasks, so they must have as many partitions: an intake is created with as many
     * as an existing log has.
     *
     * @return the settings the pipeline's other topics should be created with (the log's partition count)
     */
    public static TopicSettings ensurePipeline(Admin admin, Pipeline pipeline, TopicSettings settings) {
        int logPartitions = partitionCount(admin, pipeline.log()).orElse(settings.partitions());
        TopicSettings actual = settings.withPartitions(logPartitions);
        ensureExists(admin, actual, memoriesTopic(pipeline.log(), logPartitions),
                new TopicSpec(pipeline.intake(), logPartitions, Map.of()));
        int intakePartitions = partitionCount(admin, pipeline.intake()).orElse(logPartitions);
        if (intakePartitions != logPartitions) {
            throw new IllegalStateException("topic " + pipeline.intake() + " has " + intakePartitions
                    + " partitions but the log " + pipeline.log() + " has " + logPartitions
                    + "; the version gate needs them equal: add partitions to the one with fewer");
        }
        return actual;
    }

    /** How many partitions {@code topic} has; empty if it does not exist. */
    public static java.util.OptionalInt partitionCount(Admin admin, String topic) {
        try {
            return java.util.OptionalInt.of(admin.describeTopics(java.util.List.of(topic)).allTopicNames().get()
                    .get(topic).partitions().size());
        } catch (ExecutionException e) {
            if (e.getCause() instanceof org.apache.kafka.common.errors.UnknownTopicOrPartitionException) {
                return java.util.OptionalInt.empty();
            }
            throw new IllegalStateException("cannot describe topic " + topic + ": " + e.getCause().getMessage(),
                    e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while describing topic " + topic, e);
        }
    }

    /**
     * Creates each topic that does not exist yet, with {@code settings}' replication factor and
     * {@code min.insync.replicas} on top of its own configuration; an existing topic is left as it is.
     */
    public static void ensureExists(Admin admin, TopicSettings settings, TopicSpec... specs) {
        for (TopicSpec spec : specs) {
            Map<String, String> config = new java.util.HashMap<>(settings.config());
            config.putAll(spec.config());
            NewTopic topic = new NewTopic(spec.name(), Optional.of(spec.partitions()), settings.replication())
                    .configs(config);
            try {
                admin.createTopics(java.util.List.of(topic)).all().get();
            } catch (ExecutionException e) {
                if (e.getCause() instanceof TopicAuthorizationException
                        || e.getCause() instanceof ClusterAuthorizationException) {
                    throw new IllegalStateException("Kafka refused to create topic " + spec.name() + ": not authorized"
                            + " (the user needs CREATE on the topic, e.g. on the prefix " + aclPrefixOf(spec.name())
                            + ")", e.getCause());
                }
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw new IllegalStateException("cannot create topic " + spec.name() + ": "
                            + e.getCause().getMessage(), e.getCause());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while creating topic " + spec.name(), e);
            }
        }
    }

    /** The prefix of memshift's topic ACLs (see README, "Kafka ACLs") that covers {@code topic}. */
    public static String aclPrefixOf(String topic) {
        return topic.startsWith(MEMORIES) ? "'" + MEMORIES + "'" : topic.startsWith("memshift") ? "'memshift'"
                : "'" + topic + "'";
    }
}
