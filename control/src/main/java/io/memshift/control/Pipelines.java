package io.memshift.control;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import io.memshift.clients.ElasticsearchClients;
import io.memshift.clients.KafkaClients;
import io.memshift.exporter.MemorySource;
import io.memshift.importer.IndexLifecycle;
import io.memshift.schemas.Pipeline;
import io.memshift.clients.TopicSettings;
import io.memshift.schemas.Topics;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;

/**
 * The pipelines of a set of clusters: which one a command works on ({@link PipelineChoice} over what
 * {@link PipelineRegistry} recorded), recording what a run learnt, and the listing of {@code memshift pipelines}
 * (and of anything else that shows pipelines, such as a status view).
 */
public final class Pipelines {

    /** One pipeline as listed: what is recorded of it and what its topics and indices show. */
    public record View(Pipeline pipeline, List<String> sources, TopicSettings topics, List<Model> models,
                       List<Index> indices) {
    }

    /**
     * A model re-embedding a pipeline.
     *
     * @param slug        the model as topic names carry it ({@code onnx-bge-small-en-v15})
     * @param generations the generations whose output topic exists, in order
     */
    public record Model(String slug, List<Integer> generations) {
    }

    /** An index filled from one of the pipeline's embedded topics, with the aliases on it. */
    public record Index(String name, String topic, Set<String> aliases) {
    }

    private static final Pattern GENERATION = Pattern.compile("(.+)\\.g([1-9][0-9]{0,8})");

    private final Clusters clusters;
    private final PipelineRegistry registry;

    public Pipelines(Clusters clusters) {
        this.clusters = clusters;
        this.registry = new PipelineRegistry(new KafkaClients(clusters.kafka()));
    }

    public PipelineRegistry registry() {
        return registry;
    }

    /**
     * The pipeline a run reading {@code source} writes to (see {@link PipelineChoice#forSource}); nothing is
     * recorded until {@link #record}.
     */
    public PipelineRegistry.Entry forSource(MemorySource source, String name, String topic, TopicSettings settings) {
        return PipelineChoice.forSource(registry.read(), source.kind() + ":" + source.identity(), source.storeName(),
                name, topic, settings);
    }

    /** The pipeline of a stage without a source (see {@link PipelineChoice#forStage}), with its recorded settings. */
    public PipelineRegistry.Entry forStage(String name, String topic, TopicSettings settings) {
        Map<String, PipelineRegistry.Entry> known = registry.read();
        Pipeline pipeline = PipelineChoice.forStage(known, topicExists(Topics.MEMORIES), name, topic);
        PipelineRegistry.Entry entry = known.get(pipeline.name());
        return entry != null ? entry : new PipelineRegistry.Entry(pipeline, List.of(), settings);
    }

    /**
     * The log topic of the pipeline {@code nameOrTopic} names: a recorded pipeline's, a pipeline name's
     * ({@code memories.<name>}), or the topic itself (a log given by its topic).
     */
    public String logOf(String nameOrTopic) {
        return logOf(registry.read(), nameOrTopic);
    }

    private static String logOf(Map<String, PipelineRegistry.Entry> known, String nameOrTopic) {
        PipelineRegistry.Entry entry = known.get(nameOrTopic);
        if (entry != null) {
            return entry.pipeline().log();
        }
        try {
            return Pipeline.isNamedLog(nameOrTopic) ? nameOrTopic : Pipeline.named(nameOrTopic).log();
        } catch (IllegalArgumentException notAName) {
            return nameOrTopic;
        }
    }

    /**
     * {@link #logOf} for a command that reads a pipeline: a name or topic with neither a recorded pipeline nor a
     * log topic behind it is a typo, and reading it would show an empty, "healthy" pipeline.
     *
     * @throws InvalidRequestException naming the pipelines there are
     */
    public String existingLogOf(String nameOrTopic) {
        Map<String, PipelineRegistry.Entry> known = registry.read();
        String log = logOf(known, nameOrTopic);
        if (!isKnown(known, nameOrTopic, log)) {
            throw noSuchPipeline(known, nameOrTopic, log);
        }
        return log;
    }

    /**
     * Whether {@code pipeline} is new on these clusters (neither recorded nor with a log): a stage that creates it
     * from a mistyped --pipeline would write where no one reads, so it says so, naming the pipelines there are.
     *
     * @return the warning to show, or empty if the pipeline is known
     */
    public Optional<String> warningIfNew(Pipeline pipeline) {
        Map<String, PipelineRegistry.Entry> known = registry.read();
        if (isKnown(known, pipeline.name(), pipeline.log())) {
            return Optional.empty();
        }
        return Optional.of("pipeline " + pipeline.name() + " is new: nothing was exported to it yet and its log "
                + pipeline.log() + " does not exist (it is created now); " + knownNames(known));
    }

    /** A pipeline is there if it is recorded under {@code name}, or its log topic exists. */
    private boolean isKnown(Map<String, PipelineRegistry.Entry> known, String name, String log) {
        return known.containsKey(name) || topicExists(log);
    }

    private static InvalidRequestException noSuchPipeline(Map<String, PipelineRegistry.Entry> known, String name,
                                                          String log) {
        return new InvalidRequestException("there is no pipeline " + name + " (no pipeline of that name is recorded,"
                + " and there is no topic " + log + "); " + knownNames(known));
    }

    private static String knownNames(Map<String, PipelineRegistry.Entry> known) {
        TreeSet<String> names = new TreeSet<>(known.keySet());
        return names.isEmpty() ? "no pipeline is recorded yet" : "the pipelines there are: " + String.join(", ", names)
                + " (./memshift pipelines lists them)";
    }

    /**
     * The pipelines (other than {@code pipeline} and {@code memories}) whose indices {@code alias} serves: a
     * migration of {@code pipeline} given no alias leaves it alone if there are any (see
     * {@link PipelineChoice#mayTakeDefaultAlias}).
     */
    public List<String> otherPipelinesServedBy(String alias, Pipeline pipeline) {
        try (ElasticsearchClient es = ElasticsearchClients.connect(clusters.elasticsearch())) {
            IndexLifecycle lifecycle = new IndexLifecycle(es);
            List<Pipeline> served = new ArrayList<>();
            for (String index : lifecycle.aliasTargets(alias)) {
                String topic = lifecycle.meta(index).get(IndexLifecycle.META_TOPIC);
                if (topic != null) {
                    Pipeline.ofEmbeddedTopic(topic).ifPresent(served::add);
                }
            }
            return PipelineChoice.mayTakeDefaultAlias(pipeline, served) ? List.of()
                    : served.stream().filter(p -> !p.equals(pipeline)).map(Pipeline::name).distinct().toList();
        } catch (IOException e) {
            throw new MigrationFailedException("Elasticsearch at " + clusters.elasticsearch().url() + ": " + e.getMessage(), e);
        }
    }

    /** Records {@code entry} (its stores and settings), unless it is recorded exactly so already. */
    public void record(PipelineRegistry.Entry entry) {
        if (!entry.equals(registry.read().get(entry.pipeline().name()))) {
            registry.write(entry);
        }
    }

    /**
     * Every pipeline: those recorded, and {@code memories} if that topic of earlier versions exists; each with
     * the models and generations its topics show and the indices filled from them.
     */
    public List<View> list() {
        Map<String, PipelineRegistry.Entry> known = new TreeMap<>(registry.read());
        Set<String> topics = topicNames();
        if (topics.contains(Topics.MEMORIES) && !known.containsKey(Pipeline.LEGACY)) {
            known.put(Pipeline.LEGACY, new PipelineRegistry.Entry(Pipeline.named(Pipeline.LEGACY), List.of(),
                    TopicSettings.DEFAULT));
        }
        Map<String, String> filledFrom;
        Map<String, Set<String>> aliases;
        try (ElasticsearchClient es = ElasticsearchClients.connect(clusters.elasticsearch())) {
            IndexLifecycle lifecycle = new IndexLifecycle(es);
            filledFrom = lifecycle.filledFrom();
            aliases = lifecycle.aliasesByIndex();
        } catch (IOException e) {
            throw new MigrationFailedException("Elasticsearch at " + clusters.elasticsearch().url() + ": " + e.getMessage(), e);
        }
        List<View> views = new ArrayList<>();
        for (PipelineRegistry.Entry entry : known.values()) {
            Pipeline pipeline = entry.pipeline();
            List<Index> indices = new ArrayList<>();
            filledFrom.forEach((index, topic) -> {
                if (Pipeline.ofEmbeddedTopic(topic).filter(pipeline::equals).isPresent()) {
                    indices.add(new Index(index, topic, aliases.getOrDefault(index, Set.of())));
                }
            });
            views.add(new View(pipeline, entry.sources(), entry.topics(), models(pipeline, topics), indices));
        }
        return views;
    }

    /**
     * The index of {@code pipeline} a command means when it names none: the model's default index if a model is
     * given and it exists, else the pipeline's only index.
     *
     * @throws InvalidRequestException if there is none, or several, naming them
     */
    public String indexOf(Pipeline pipeline, String modelId) {
        // An index's entity store (<index>_entities) is filled from the same topic, but it is not another index
        // to choose between: verify checks it with its index.
        List<String> indices = list().stream().filter(v -> v.pipeline().equals(pipeline))
                .flatMap(v -> v.indices().stream()).map(Index::name)
                .filter(name -> !io.memshift.schemas.Mem0Entities.isStore(name)).toList();
        if (modelId != null && indices.contains(IndexNames.defaultIndex(pipeline, modelId))) {
            return IndexNames.defaultIndex(pipeline, modelId);
        }
        if (indices.size() == 1) {
            return indices.get(0);
        }
        if (indices.isEmpty()) {
            Map<String, PipelineRegistry.Entry> known = registry.read();
            if (!isKnown(known, pipeline.name(), pipeline.log())) {
                throw noSuchPipeline(known, pipeline.name(), pipeline.log());
            }
        }
        throw new InvalidRequestException(indices.isEmpty()
                ? "pipeline " + pipeline.name() + " has no index yet; give --index"
                : "pipeline " + pipeline.name() + " fills " + indices.size() + " indices (" + String.join(", ", indices)
                        + "): say which with --index");
    }

    /** The models (and their generations) whose output topics of {@code pipeline} are among {@code topics}. */
    static List<Model> models(Pipeline pipeline, Set<String> topics) {
        String prefix = pipeline.log() + ".embedded.";
        Map<String, TreeSet<Integer>> generations = new TreeMap<>();
        for (String topic : topics) {
            if (!topic.startsWith(prefix) || topic.length() == prefix.length()) {
                continue;
            }
            String rest = topic.substring(prefix.length());
            Matcher m = GENERATION.matcher(rest);
            String slug = m.matches() ? m.group(1) : rest;
            int generation = m.matches() ? Integer.parseInt(m.group(2)) : 1;
            generations.computeIfAbsent(slug, s -> new TreeSet<>()).add(generation);
        }
        List<Model> models = new ArrayList<>();
        generations.forEach((slug, gens) -> models.add(new Model(slug, List.copyOf(gens))));
        return models;
    }

    private boolean topicExists(String topic) {
        return topicNames().contains(topic);
    }

    private Set<String> topicNames() {
        try (Admin admin = new KafkaClients(clusters.kafka()).admin()) {
            return admin.listTopics().names().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new MigrationFailedException("cannot list the topics of " + clusters.kafka().bootstrapServers()
                    + ": " + e.getMessage(), e);
        }
    }
}
