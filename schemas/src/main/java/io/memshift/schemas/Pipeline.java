package io.memshift.schemas;

import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One store's log and everything named after it: a pipeline. Every publisher of the store (export, ingest,
 * {@code MemoryEventPublisher}) writes to its {@link #intake()} topic; the version gate forwards only newer events
 * from there into its {@link #log()}, the compacted topic that re-embedders read and replays re-read. The
 * re-embedders' outputs, dead letters and rejects are named after the log, so two pipelines share nothing.
 *
 * <p>A pipeline called {@code memories} is the log memshift used before pipelines existed: its topics keep their
 * names ({@code memories}, {@code memories.embedded.<model>}, {@code memories.dlq.<model>},
 * {@code memories.rejected}). Any other pipeline {@code P} logs to {@code memories.P}: {@code memories.P.intake},
 * {@code memories.P.embedded.<model>[.gN]}, {@code memories.P.dlq.<model>}, {@code memories.P.rejected}. A name
 * holds no dot, so the name is always the segment after {@code memories.}.
 *
 * @param name what users call it ({@code --pipeline})
 * @param log  the compacted, version-ordered topic replays read
 */
public record Pipeline(String name, String log) {

    /** The pipeline whose log is the pre-pipeline topic {@code memories}. */
    public static final String LEGACY = Topics.MEMORIES;
    private static final String LOG_PREFIX = Topics.MEMORIES + ".";
    private static final int MAX_NAME_LENGTH = 100;
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]*");
    private static final Pattern NOT_NAME = Pattern.compile("[^a-z0-9_-]+");
    /** Names whose log would be the name of another memshift topic ({@code memories.rejected}, say). */
    private static final Set<String> RESERVED = Set.of("embedded", "dlq", "import-dlq", "rejected", "intake");

    public Pipeline {
        if (name == null || name.isBlank() || log == null || log.isBlank()) {
            throw new IllegalArgumentException("a pipeline needs a name and a log topic");
        }
    }

    /**
     * The pipeline called {@code name}.
     *
     * @throws IllegalArgumentException naming the rule, for a name that is not lower-case letters, digits, '-'
     *                                  and '_', or that is reserved
     */
    public static Pipeline named(String name) {
        requireValidName(name);
        return new Pipeline(name, name.equals(LEGACY) ? Topics.MEMORIES : LOG_PREFIX + name);
    }

    /**
     * The pipeline whose log is {@code topic}: {@code memories} and {@code memories.<name>} are named pipelines;
     * any other topic (given with {@code --topic} before pipelines existed) is a pipeline named by its topic, whose
     * other topics are named after it the same way.
     */
    public static Pipeline ofLog(String topic) {
        if (topic.equals(Topics.MEMORIES)) {
            return named(LEGACY);
        }
        if (topic.startsWith(LOG_PREFIX)) {
            String name = topic.substring(LOG_PREFIX.length());
            if (problemWithName(name).isEmpty()) {
                return named(name);
            }
        }
        return new Pipeline(topic, topic);
    }

    /** True if {@code topic} is the log of a named pipeline ({@code memories} or {@code memories.<name>}). */
    public static boolean isNamedLog(String topic) {
        return topic.equals(Topics.MEMORIES) || topic.startsWith(LOG_PREFIX)
                && problemWithName(topic.substring(LOG_PREFIX.length())).isEmpty();
    }

    /**
     * The pipeline that fills {@code embeddedTopic} ({@code <log>.embedded.<model>[.gN]}), if it is one memshift
     * names; a log never holds {@code .embedded.}, since a pipeline name has no dot.
     */
    public static Optional<Pipeline> ofEmbeddedTopic(String embeddedTopic) {
        int at = embeddedTopic.indexOf(".embedded.");
        return at <= 0 ? Optional.empty() : Optional.of(ofLog(embeddedTopic.substring(0, at)));
    }

    /**
     * A pipeline name made from a store's own name (a file name, an Elasticsearch index, a Qdrant collection, an
     * API host): lower case, every run of other characters turned into one '-', at most 60 characters. The same
     * store name always gives the same pipeline name.
     */
    public static String slug(String storeName) {
        String slug = NOT_NAME.matcher(storeName.toLowerCase(Locale.ROOT)).replaceAll("-");
        slug = slug.replaceAll("^[-_]+|[-_]+$", "");
        if (slug.length() > 60) {
            slug = slug.substring(0, 60).replaceAll("[-_]+$", "");
        }
        if (slug.isEmpty()) {
            return "store";
        }
        return RESERVED.contains(slug) ? slug + "-store" : slug;
    }

    public static void requireValidName(String name) {
        problemWithName(name).ifPresent(problem -> {
            throw new IllegalArgumentException(problem);
        });
    }

    private static Optional<String> problemWithName(String name) {
        if (name == null || name.isEmpty() || name.length() > MAX_NAME_LENGTH || !NAME.matcher(name).matches()) {
            return Optional.of("pipeline name '" + name + "' must be 1 to " + MAX_NAME_LENGTH
                    + " lower-case letters, digits, '-' or '_', starting with a letter or digit");
        }
        if (RESERVED.contains(name)) {
            return Optional.of("pipeline name '" + name + "' is reserved (its log would be the topic memories." + name
                    + "); reserved: " + RESERVED.stream().sorted().toList());
        }
        return Optional.empty();
    }

    /** Where every publisher writes; the version gate reads it. Not compacted: the gate reads each event once. */
    public String intake() {
        return log + ".intake";
    }

    /** The re-embedder's output for a model and generation: {@code <log>.embedded.<model>[.gN]}. */
    public String embedded(String modelId, int generation) {
        return Topics.embeddedTopicName(log, modelId, generation);
    }

    /** The texts a model refused: {@code <log>.dlq.<model>} ({@code memories.dlq.<model>} for {@code memories}). */
    public String embedDeadLetters(String modelId) {
        return log + ".dlq." + Topics.modelSlug(modelId);
    }

    /** Records an export set aside (--skip-invalid): {@code <log>.rejected}. */
    public String rejected() {
        return log + ".rejected";
    }

    /** The version gate's Kafka Streams application: its consumer group, transactional ids and state. */
    public String gateApplicationId() {
        return "memshift-gate-" + log;
    }

    @Override
    public String toString() {
        return name;
    }
}
