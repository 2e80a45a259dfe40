package io.memshift.control;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch.indices.get_mapping.IndexMappingRecord;
import io.memshift.exporter.ExportPosition;
import io.memshift.clients.ElasticsearchClients;
import io.memshift.clients.KafkaClients;
import io.memshift.importer.ImporterConfig;
import io.memshift.importer.IndexLifecycle;
import io.memshift.reembedder.Reembedder;
import io.memshift.schemas.Mem0Entities;
import io.memshift.schemas.Pipeline;
import io.memshift.schemas.Topics;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsSpec;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads a {@link PipelineStatus} from the clusters, touching nothing: which pipelines exist is read from the
 * topic names ({@code memories}, every {@code <input>.embedded.<model>[.gN]}, every export's target), each
 * generation's re-embedder group from {@link Reembedder#applicationId}, the indices filled from each embedded
 * topic from their {@code _meta} ({@link IndexLifecycle#META_TOPIC}), each importer's group from
 * {@link ImporterConfig#groupIdFor}. A cluster that does not answer is reported, and what needs it is left out.
 */
public final class StatusReader {

    private static final Duration TIMEOUT = Duration.ofSeconds(15);
    private static final String EMBEDDED = ".embedded.";

    private final Clusters clusters;

    public StatusReader(Clusters clusters) {
        this.clusters = clusters;
    }

    /**
     * One reading, without rates (see {@link PipelineStatus#withRates}).
     *
     * @param pipeline only this pipeline (its input topic); null for all
     */
    public PipelineStatus read(String pipeline) {
        Instant at = Instant.now();
        List<ClusterProbe.Reachability> probes = ClusterProbe.probe(clusters, ClusterProbe.DEFAULT_TIMEOUT);
        if (!probes.get(0).fine()) {
            return PipelineStatus.unreadable(at, probes);
        }
        Map<String, IndexNotes> indices = probes.get(2).fine() ? indices() : Map.of();
        try (Admin admin = Admin.create(adminProps())) {
            Set<String> topics = new TreeSet<>(admin.listTopics().names().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS));
            List<ExportPosition> exports = topics.contains(Topics.EXPORT_CHECKPOINTS)
                    ? ExportPosition.readAll(clusters.kafka()) : List.of();
            Layout layout = Layout.of(topics, exports, pipeline);

            // The instant the rates are measured from: the offsets are read right after it.
            at = Instant.now();
            Map<TopicPartition, Long> ends = ends(admin, layout.topicsToMeasure(topics));
            Map<String, GroupState> groups = groups(admin, layout.groups(indices));
            Map<String, Long> counts = count(layout.countedTopics(indices), topics);

            List<PipelineStatus.Pipeline> pipelines = new ArrayList<>();
            for (String input : layout.inputs()) {
                List<PipelineStatus.Generation> generations = new ArrayList<>();
                for (Layout.Output output : layout.outputs(input)) {
                    String reembedGroup = Reembedder.applicationId(input, output.model(), output.generation());
                    List<PipelineStatus.Index> filled = new ArrayList<>();
                    for (IndexNotes notes : indices.values()) {
                        if (output.topic().equals(notes.topic())) {
                            String dlq = Topics.importDlqTopicName(notes.index());
                            filled.add(new PipelineStatus.Index(notes.index(), notes.aliases(), notes.verifyPassed(),
                                    notes.verifiedAt(), progress(ends, groups, ImporterConfig.groupIdFor(notes.index()),
                                    output.topic()), new PipelineStatus.TopicCount(dlq, counts.getOrDefault(dlq, -1L))));
                        }
                    }
                    filled.sort(Comparator.comparing(PipelineStatus.Index::index));
                    String dlq = Topics.embedDeadLetterTopicName(output.model());
                    generations.add(new PipelineStatus.Generation(output.model(), output.generation(), output.topic(),
                            end(ends, output.topic()), progress(ends, groups, reembedGroup, input),
                            new PipelineStatus.TopicCount(dlq, counts.getOrDefault(dlq, -1L)), filled));
                }
                List<PipelineStatus.Source> sources = exports.stream().filter(e -> e.topic().equals(input))
                        .map(e -> new PipelineStatus.Source(e.source(), e.filter(), e.position(), e.total(), e.complete()))
                        .sorted(Comparator.comparing(PipelineStatus.Source::source)).toList();
                String rejected = Pipeline.ofLog(input).rejected();
                pipelines.add(new PipelineStatus.Pipeline(input, input, end(ends, input), sources,
                        generations, new PipelineStatus.TopicCount(rejected,
                        topics.contains(rejected) ? counts.getOrDefault(rejected, -1L) : -1L)));
            }
            return new PipelineStatus(at.toString(), 0, probes, pipelines);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MigrationFailedException("interrupted while reading the status", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new MigrationFailedException("cannot read the pipelines from the Kafka broker at "
                    + clusters.kafka().bootstrapServers() + ": " + FailureDiagnosis.detail(e), e);
        }
    }

    /** Which pipelines and generations exist, from topic names and export checkpoints. */
    record Layout(Map<String, List<Output>> byInput) {

        /** One output topic: the re-embedding of its input by one model generation. */
        record Output(String topic, String model, int generation) {
        }

        static Layout of(Set<String> topics, List<ExportPosition> exports, String only) {
            Map<String, List<Output>> byInput = new TreeMap<>(Comparator
                    .comparing((String t) -> !t.equals(Topics.MEMORIES)).thenComparing(t -> t));
            if (only == null || only.equals(Topics.MEMORIES)) {
                byInput.put(Topics.MEMORIES, new ArrayList<>());
            }
            exports.stream().map(ExportPosition::topic).filter(t -> only == null || t.equals(only))
                    .forEach(t -> byInput.computeIfAbsent(t, k -> new ArrayList<>()));
            if (only != null) {
                byInput.computeIfAbsent(only, k -> new ArrayList<>());
            }
            for (String topic : topics) {
                parse(topic).filter(p -> only == null || p.input().equals(only))
                        .ifPresent(p -> byInput.computeIfAbsent(p.input(), k -> new ArrayList<>()).add(p.output()));
            }
            byInput.values().forEach(outputs -> outputs.sort(Comparator.comparing(Output::model)
                    .thenComparingInt(Output::generation)));
            return new Layout(byInput);
        }

        record Parsed(String input, Output output) {
        }

        /**
         * {@code <input>.embedded.<slug>[.gN]} as {@link Topics#embeddedTopicName(String, String, int)} builds it;
         * the last {@code .embedded.} splits, and a {@code .gN} suffix (N of 2 or more, no leading zero) is the
         * generation.
         */
        static Optional<Parsed> parse(String topic) {
            int at = topic.lastIndexOf(EMBEDDED);
            if (at <= 0 || at + EMBEDDED.length() >= topic.length()) {
                return Optional.empty();
            }
            String input = topic.substring(0, at);
            String rest = topic.substring(at + EMBEDDED.length());
            int generation = 1;
            int g = rest.lastIndexOf(".g");
            if (g > 0 && rest.substring(g + 2).matches("[1-9][0-9]{0,8}") && Integer.parseInt(rest.substring(g + 2)) >= 2) {
                generation = Integer.parseInt(rest.substring(g + 2));
                rest = rest.substring(0, g);
            }
            // Only names the builder makes (its inverse is Topics.embeddedTopicGeneration).
            try {
                if (Topics.embeddedTopicGeneration(topic, input, rest).orElse(-1) != generation) {
                    return Optional.empty();
                }
            } catch (IllegalArgumentException notAModel) {
                return Optional.empty();
            }
            return Optional.of(new Parsed(input, new Output(topic, rest, generation)));
        }

        Collection<String> inputs() {
            return byInput.keySet();
        }

        List<Output> outputs(String input) {
            return byInput.getOrDefault(input, List.of());
        }

        Set<String> topicsToMeasure(Set<String> existing) {
            Set<String> measured = new LinkedHashSet<>();
            byInput.forEach((input, outputs) -> {
                measured.add(input);
                outputs.forEach(o -> measured.add(o.topic()));
            });
            measured.retainAll(existing);
            return measured;
        }

        /** Consumer group to the topic it reads. */
        Map<String, String> groups(Map<String, IndexNotes> indices) {
            Map<String, String> groups = new HashMap<>();
            byInput.forEach((input, outputs) -> outputs.forEach(o -> {
                groups.put(Reembedder.applicationId(input, o.model(), o.generation()), input);
                indices.values().stream().filter(i -> o.topic().equals(i.topic()))
                        .forEach(i -> groups.put(ImporterConfig.groupIdFor(i.index()), o.topic()));
            }));
            return groups;
        }

        /** The dead-letter topics of the shown generations and indices, and each shown pipeline's rejects. */
        Set<String> countedTopics(Map<String, IndexNotes> indices) {
            Set<String> counted = new TreeSet<>();
            byInput.keySet().forEach(input -> counted.add(Pipeline.ofLog(input).rejected()));
            byInput.values().forEach(outputs -> outputs.forEach(o -> {
                counted.add(Topics.embedDeadLetterTopicName(o.model()));
                indices.values().stream().filter(i -> o.topic().equals(i.topic()))
                        .forEach(i -> counted.add(Topics.importDlqTopicName(i.index())));
            }));
            return counted;
        }
    }

    /** What an index's mapping and aliases say: the topic it is filled from, its aliases, its last verify. */
    record IndexNotes(String index, String topic, Set<String> aliases, String verifyPassed, String verifiedAt) {
    }

    private Map<String, IndexNotes> indices() {
        try (ElasticsearchClient es = ElasticsearchClients.connect(clusters.elasticsearch())) {
            Map<String, Set<String>> aliases = new HashMap<>();
            es.indices().getAlias().result().forEach((index, found) ->
                    aliases.put(index, new TreeSet<>(found.aliases().keySet())));
            Map<String, IndexNotes> notes = new TreeMap<>();
            for (Map.Entry<String, IndexMappingRecord> entry : es.indices().getMapping().result().entrySet()) {
                Map<String, String> meta = new HashMap<>();
                if (entry.getValue().mappings() != null && entry.getValue().mappings().meta() != null) {
                    entry.getValue().mappings().meta().forEach((k, v) -> meta.put(k, v.to(Object.class).toString()));
                }
                String topic = meta.get(IndexLifecycle.META_TOPIC);
                if (topic != null) {
                    notes.put(entry.getKey(), new IndexNotes(entry.getKey(), topic,
                            aliases.getOrDefault(entry.getKey(), Set.of()), meta.get(IndexLifecycle.META_VERIFY_PASSED),
                            meta.get(IndexLifecycle.META_VERIFY_AT)));
                }
            }
            // An index's entity store (<index>_entities) is filled by that index's importer, from the same topic and
            // in the same group: it has no importer of its own to show (a group of its name never exists, so it
            // showed the whole topic as lag, "stalled").
            notes.values().removeIf(n -> n.index().endsWith(Mem0Entities.SUFFIX) && notes.containsKey(
                    n.index().substring(0, n.index().length() - Mem0Entities.SUFFIX.length())));
            return notes;
        } catch (IOException e) {
            throw new MigrationFailedException("cannot read the indices from Elasticsearch at "
                    + clusters.elasticsearch().url() + ": " + e.getMessage(), e);
        }
    }

    /** Per partition of each topic: its end, as a read_committed reader sees it (the last stable offset). */
    private static Map<TopicPartition, Long> ends(Admin admin, Set<String> topics) throws ExecutionException,
            InterruptedException, TimeoutException {
        Map<TopicPartition, Long> ends = new HashMap<>();
        if (topics.isEmpty()) {
            return ends;
        }
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        for (TopicDescription description : admin.describeTopics(topics).allTopicNames()
                .get(TIMEOUT.toSeconds(), TimeUnit.SECONDS).values()) {
            description.partitions().forEach(p -> latest.put(new TopicPartition(description.name(), p.partition()),
                    OffsetSpec.latest()));
        }
        admin.listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all()
                .get(TIMEOUT.toSeconds(), TimeUnit.SECONDS).forEach((partition, info) -> ends.put(partition, info.offset()));
        return ends;
    }

    /** The sum of a topic's partition ends; -1 if the topic does not exist. */
    private static long end(Map<TopicPartition, Long> ends, String topic) {
        long sum = -1;
        for (Map.Entry<TopicPartition, Long> end : ends.entrySet()) {
            if (end.getKey().topic().equals(topic)) {
                sum = Math.max(sum, 0) + end.getValue();
            }
        }
        return sum;
    }

    /** A group's state, members and committed offsets (empty offsets for a group that never committed). */
    private record GroupState(String state, int members, Map<TopicPartition, OffsetAndMetadata> committed) {
    }

    private Map<String, GroupState> groups(Admin admin, Map<String, String> groups) throws InterruptedException {
        Map<String, GroupState> states = new HashMap<>();
        if (groups.isEmpty()) {
            return states;
        }
        Map<String, ConsumerGroupDescription> described = new HashMap<>();
        try {
            described.putAll(admin.describeConsumerGroups(groups.keySet()).all()
                    .get(TIMEOUT.toSeconds(), TimeUnit.SECONDS));
        } catch (ExecutionException | TimeoutException e) {
            // One group the broker cannot describe must not hide the others' offsets.
        }
        Map<String, ListConsumerGroupOffsetsSpec> specs = new HashMap<>();
        groups.keySet().forEach(g -> specs.put(g, new ListConsumerGroupOffsetsSpec()));
        Map<String, Map<TopicPartition, OffsetAndMetadata>> offsets = new HashMap<>();
        try {
            offsets.putAll(admin.listConsumerGroupOffsets(specs).all().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS));
        } catch (ExecutionException | TimeoutException e) {
            for (String group : groups.keySet()) {
                try {
                    offsets.put(group, admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata()
                            .get(TIMEOUT.toSeconds(), TimeUnit.SECONDS));
                } catch (ExecutionException | TimeoutException ignored) {
                    offsets.put(group, Map.of());
                }
            }
        }
        for (String group : groups.keySet()) {
            ConsumerGroupDescription description = described.get(group);
            states.put(group, new GroupState(description == null ? "unknown" : description.groupState().toString(),
                    description == null ? 0 : description.members().size(), offsets.getOrDefault(group, Map.of())));
        }
        return states;
    }

    private static PipelineStatus.GroupProgress progress(Map<TopicPartition, Long> ends, Map<String, GroupState> groups,
                                                         String group, String topic) {
        GroupState state = groups.get(group);
        long committed = 0;
        long end = 0;
        long lag = 0;
        for (Map.Entry<TopicPartition, Long> partition : ends.entrySet()) {
            if (!partition.getKey().topic().equals(topic)) {
                continue;
            }
            OffsetAndMetadata done = state == null || state.committed() == null ? null
                    : state.committed().get(partition.getKey());
            long at = done == null ? 0 : done.offset();
            committed += at;
            end += partition.getValue();
            lag += Math.max(0, partition.getValue() - at);
        }
        return new PipelineStatus.GroupProgress(group, topic, state == null ? "unknown" : state.state(),
                state == null ? 0 : state.members(), committed, end, lag, null, null);
    }

    /**
     * Records in each topic as a read_committed reader counts them: end minus start offsets would count
     * transaction markers (the re-embedder's dead letters are written in transactions), so they are read.
     */
    private Map<String, Long> count(Set<String> topics, Set<String> existing) {
        Map<String, Long> counts = new HashMap<>();
        Properties props = new KafkaClients(clusters.kafka()).committedReaderConfig();
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            for (String topic : topics) {
                if (!existing.contains(topic)) {
                    // Dead-letter topics are created at the first refusal: none yet holds none.
                    counts.put(topic, 0L);
                    continue;
                }
                List<TopicPartition> partitions = new ArrayList<>();
                consumer.partitionsFor(topic, TIMEOUT).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
                consumer.assign(partitions);
                Map<TopicPartition, Long> start = consumer.beginningOffsets(partitions, TIMEOUT);
                Map<TopicPartition, Long> end = consumer.endOffsets(partitions, TIMEOUT);
                long records = 0;
                List<TopicPartition> toRead = new ArrayList<>();
                for (TopicPartition partition : partitions) {
                    if (end.get(partition) > start.get(partition)) {
                        toRead.add(partition);
                    }
                }
                consumer.assign(toRead);
                consumer.seekToBeginning(toRead);
                long deadline = System.currentTimeMillis() + TIMEOUT.toMillis();
                while (toRead.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                    if (System.currentTimeMillis() > deadline) {
                        records = -1;
                        break;
                    }
                    ConsumerRecords<byte[], byte[]> polled = consumer.poll(Duration.ofMillis(200));
                    records += polled.count();
                }
                counts.put(topic, records);
            }
        } catch (RuntimeException e) {
            // Counts are a side show: an unreadable topic shows as -1, the rest of the status stands.
            topics.forEach(t -> counts.putIfAbsent(t, -1L));
        }
        return counts;
    }

    private Properties adminProps() {
        Properties props = new KafkaClients(clusters.kafka()).adminConfig();
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) TIMEOUT.toMillis());
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) TIMEOUT.toMillis());
        return props;
    }
}
