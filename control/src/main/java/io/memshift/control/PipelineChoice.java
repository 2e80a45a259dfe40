package io.memshift.control;

import io.memshift.schemas.Pipeline;
import io.memshift.clients.TopicSettings;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Which pipeline a command works on, decided from what the user gave and what {@link PipelineRegistry} knows.
 * The rule that keeps stores apart: a run with a source, given no pipeline, uses the pipeline named after its
 * store ({@link Pipeline#slug}), and refuses if that pipeline is recorded with other stores only; the user then
 * says with {@code --pipeline} whether it is the same store (a newer export, another path or URL to it) or
 * another one. Pure: the registry is read by the caller.
 */
public final class PipelineChoice {

    /** The alias a migration cuts over when none is given. */
    public static final String DEFAULT_ALIAS = "memories";

    private PipelineChoice() {
    }

    /**
     * The pipeline a run reading {@code source} writes to, with the source recorded in it.
     *
     * @param known     every recorded pipeline, by name
     * @param source    the store as {@code <kind>:<identity>}
     * @param storeName the store's own name, which names the default pipeline
     * @param name      {@code --pipeline}, or null
     * @param topic     {@code --topic} (a log topic, as before pipelines), or null
     * @param settings  the topic settings for a pipeline not recorded yet
     * @throws InvalidRequestException if both a name and a topic are given, a name is not valid, or the default
     *                                 pipeline holds other stores
     */
    public static PipelineRegistry.Entry forSource(Map<String, PipelineRegistry.Entry> known, String source,
                                                   String storeName, String name, String topic,
                                                   TopicSettings settings) {
        Pipeline pipeline = pipelineFor(storeName, name, topic);
        boolean derived = name == null && topic == null;
        PipelineRegistry.Entry entry = known.get(pipeline.name());
        if (entry == null) {
            return new PipelineRegistry.Entry(pipeline, List.of(source), settings);
        }
        if (derived && !entry.sources().isEmpty() && !entry.sources().contains(source)) {
            throw new InvalidRequestException("pipeline '" + pipeline.name() + "' (the default for a store named '"
                    + storeName + "') holds the log of " + String.join(", ", entry.sources()) + ", not of " + source
                    + ". If this is the same store (a newer export, another path or URL to it), give --pipeline "
                    + pipeline.name() + "; if it is another store, give it a pipeline of its own with --pipeline"
                    + " <name>. Stores that share a pipeline share one log and one index.");
        }
        return entry.withSource(source);
    }

    /**
     * The pipeline a run reading a store named {@code storeName} writes to, by its name alone (without checking
     * what is recorded of it, which {@link #forSource} does): the one named, the one whose log is {@code topic}, or
     * the store's own.
     */
    public static Pipeline pipelineFor(String storeName, String name, String topic) {
        Pipeline pipeline = explicit(name, topic);
        return pipeline != null ? pipeline : Pipeline.named(Pipeline.slug(storeName));
    }

    /**
     * The pipeline a stage without a source works on ({@code reembed}, {@code import}, {@code ingest}): the one
     * named or whose log is given; else the only one there is.
     *
     * @param known          every recorded pipeline, by name
     * @param legacyLogFound whether the topic {@code memories} of earlier versions exists (the pipeline
     *                       {@code memories}, recorded or not)
     * @throws InvalidRequestException if none is given and there is not exactly one, listing those there are
     */
    public static Pipeline forStage(Map<String, PipelineRegistry.Entry> known, boolean legacyLogFound, String name,
                                    String topic) {
        Pipeline pipeline = explicit(name, topic);
        if (pipeline != null) {
            return known.containsKey(pipeline.name()) ? known.get(pipeline.name()).pipeline() : pipeline;
        }
        java.util.TreeSet<String> names = new java.util.TreeSet<>(known.keySet());
        if (legacyLogFound) {
            names.add(Pipeline.LEGACY);
        }
        if (names.size() == 1) {
            String only = names.first();
            return known.containsKey(only) ? known.get(only).pipeline() : Pipeline.named(only);
        }
        if (names.isEmpty()) {
            throw new InvalidRequestException("there is no pipeline yet: export or migrate a store first, or name"
                    + " the one this stage serves with --pipeline <name>");
        }
        throw new InvalidRequestException("there are " + names.size() + " pipelines (" + String.join(", ", names)
                + "): say which with --pipeline <name> (./memshift pipelines lists them)");
    }

    /**
     * Whether a migration of {@code pipeline} given no alias may move the default alias, which now serves the
     * indices of {@code served} pipelines: only if each is this pipeline or {@code memories}, the one log of
     * earlier versions (an upgrade takes the alias over). Never from another store's pipeline: one store's
     * readers never get another's memories without being asked.
     */
    public static boolean mayTakeDefaultAlias(Pipeline pipeline, java.util.Collection<Pipeline> served) {
        return served.stream().allMatch(p -> p.equals(pipeline) || p.log().equals(Pipeline.named(Pipeline.LEGACY).log()));
    }

    private static Pipeline explicit(String name, String topic) {
        if (name != null && topic != null) {
            throw new InvalidRequestException("give --pipeline or a topic, not both: a pipeline names its topics");
        }
        try {
            return name != null ? Pipeline.named(name) : topic != null ? Pipeline.ofLog(topic) : null;
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException(e.getMessage());
        }
    }
}
