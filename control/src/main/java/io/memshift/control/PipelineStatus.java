package io.memshift.control;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Where every pipeline stands, as {@link StatusReader} read it at one instant: for each pipeline (an input topic,
 * {@code memories} first) and each model generation re-embedding it, how far the export, the re-embedder and the
 * importer of each index filled from it are, their dead letters, the aliases on each index and its last verify.
 * Plain data, one row per pipeline, so that {@code status --json} is this object and a table is a view of it.
 *
 * <p>Rates need two readings: {@link #withRates(PipelineStatus)} compares each consumer group's committed
 * offsets with an earlier reading's. The health rule is {@link #problems()}.
 *
 * @param at            when it was read
 * @param sampleSeconds seconds between the earlier reading the rates come from and this one; 0 without rates
 * @param clusters      what each cluster answered
 * @param pipelines     one per input topic
 */
public record PipelineStatus(String at, double sampleSeconds, List<ClusterProbe.Reachability> clusters,
                             List<Pipeline> pipelines) {

    /**
     * One pipeline: an input topic of memory events and what re-embeds it.
     *
     * @param name      the pipeline's name (today its input topic)
     * @param topic     its input topic
     * @param endOffset the topic's end (the sum over partitions of what a read_committed reader sees); -1 if the
     *                  topic does not exist
     * @param rejects   records its exports set aside ({@code <log>.rejected}; -1 if there is no such topic):
     *                  reported, not a problem: they were set aside on request ({@code --skip-invalid}) and are in
     *                  the reject file too
     */
    public record Pipeline(String name, String topic, long endOffset, List<Source> sources,
                           List<Generation> generations, TopicCount rejects) {
    }

    /** An export into the pipeline's topic, from its last checkpoint. */
    public record Source(String source, String filter, long position, long total, boolean complete) {
    }

    /**
     * One model generation re-embedding the pipeline's topic.
     *
     * @param model      the model's slug as topic names carry it ({@code onnx-bge-small-en-v15})
     * @param topic      its output, the embedded topic
     * @param endOffset  the embedded topic's end
     * @param reembedder its application's consumer group on the pipeline's topic
     * @param dlq        memories the model refused ({@code memories.dlq.<model>}, shared by the model's pipelines
     *                   and generations)
     * @param indices    the indices filled from its topic
     */
    public record Generation(String model, int generation, String topic, long endOffset, GroupProgress reembedder,
                             TopicCount dlq, List<Index> indices) {
    }

    /**
     * An index filled from a generation's topic.
     *
     * @param aliases      the aliases pointing at it
     * @param verifyPassed "true" or "false" as its last {@code verify} said, null if never verified
     * @param verifiedAt   when it was last verified, null if never
     * @param importer     its importer's consumer group on the embedded topic
     * @param dlq          memories Elasticsearch refused for it ({@code memories.import-dlq.<index>})
     */
    public record Index(String index, Set<String> aliases, String verifyPassed, String verifiedAt,
                        GroupProgress importer, TopicCount dlq) {
    }

    /**
     * How far a consumer group is on a topic. Offsets, summed over partitions: a transaction marker takes an
     * offset too, so on a transactional topic offsets/s slightly overstate records/s.
     *
     * @param state      the group's state as the broker reports it (Stable, Empty, Dead, ...), or "unknown"
     * @param members    members now: 0 means the stage is not running
     * @param committed  offsets committed
     * @param end        the topic's end, as a read_committed reader sees it
     * @param lag        offsets between what is committed and the end (never negative per partition)
     * @param rate       offsets committed per second since the earlier reading; null without one
     * @param etaSeconds lag / rate: when the group would reach today's end at today's rate; 0 if caught up,
     *                   null if unknown (no rate yet, or nothing committed meanwhile)
     */
    public record GroupProgress(String group, String topic, String state, int members, long committed, long end,
                                long lag, Double rate, Double etaSeconds) {

        /** This reading, with its rate and ETA measured against {@code earlier} (same group and topic). */
        GroupProgress withRate(GroupProgress earlier, double seconds) {
            if (earlier == null || seconds <= 0 || !earlier.group.equals(group) || !earlier.topic.equals(topic)) {
                return this;
            }
            long done = committed - earlier.committed;
            if (done < 0) {
                // Offsets went back (a reset, a re-created topic): no rate to speak of.
                return new GroupProgress(group, topic, state, members, committed, end, lag, null, lag == 0 ? 0.0 : null);
            }
            double perSecond = done / seconds;
            Double eta = lag == 0 ? Double.valueOf(0.0) : perSecond > 0 ? Double.valueOf(lag / perSecond) : null;
            return new GroupProgress(group, topic, state, members, committed, end, lag, perSecond, eta);
        }
    }

    /**
     * Records a topic holds, as a read_committed reader counts them.
     *
     * @param records 0 if the topic does not exist (dead-letter topics are created at their first record), -1 if
     *                it could not be read in time
     */
    public record TopicCount(String topic, long records) {

        public boolean nonEmpty() {
            return records > 0;
        }
    }

    /** Every pipeline's reading with rates and ETAs from {@code earlier}, a reading taken before this one. */
    public PipelineStatus withRates(PipelineStatus earlier) {
        double seconds = Duration.between(Instant.parse(earlier.at), Instant.parse(at)).toMillis() / 1000.0;
        Map<String, GroupProgress> before = new HashMap<>();
        earlier.groups().forEach(g -> before.put(g.group() + "\n" + g.topic(), g));
        List<Pipeline> rated = new ArrayList<>();
        for (Pipeline pipeline : pipelines) {
            List<Generation> generations = new ArrayList<>();
            for (Generation g : pipeline.generations()) {
                List<Index> indices = new ArrayList<>();
                for (Index i : g.indices()) {
                    indices.add(new Index(i.index(), i.aliases(), i.verifyPassed(), i.verifiedAt(),
                            rate(i.importer(), before, seconds), i.dlq()));
                }
                generations.add(new Generation(g.model(), g.generation(), g.topic(), g.endOffset(),
                        rate(g.reembedder(), before, seconds), g.dlq(), indices));
            }
            rated.add(new Pipeline(pipeline.name(), pipeline.topic(), pipeline.endOffset(), pipeline.sources(),
                    generations, pipeline.rejects()));
        }
        return new PipelineStatus(at, seconds, clusters, rated);
    }

    private static GroupProgress rate(GroupProgress now, Map<String, GroupProgress> before, double seconds) {
        return now == null ? null : now.withRate(before.get(now.group() + "\n" + now.topic()), seconds);
    }

    /** Every consumer group of every pipeline. */
    List<GroupProgress> groups() {
        List<GroupProgress> groups = new ArrayList<>();
        for (Pipeline pipeline : pipelines) {
            for (Generation g : pipeline.generations()) {
                if (g.reembedder() != null) {
                    groups.add(g.reembedder());
                }
                g.indices().stream().map(Index::importer).filter(i -> i != null).forEach(groups::add);
            }
        }
        return groups;
    }

    /**
     * What is wrong, one sentence each; empty when healthy. The rule: a cluster that does not answer (or answers
     * with a refusal), a dead-letter topic that is not empty (the model's or an index's), or an alias on an index
     * whose last verify failed. Lag alone is not a problem (a migration under way lags), nor are rejects (see
     * {@link Pipeline#rejects()}).
     */
    public List<String> problems() {
        List<String> problems = new ArrayList<>();
        for (ClusterProbe.Reachability cluster : clusters) {
            if (!cluster.fine()) {
                problems.add(cluster.cluster().displayName() + " at " + cluster.address()
                        + (cluster.answering() ? " answers, but " : " is not answering: ") + cluster.problem());
            }
        }
        Set<String> dlqs = new HashSet<>();
        for (Pipeline pipeline : pipelines) {
            for (Generation g : pipeline.generations()) {
                if (g.dlq() != null && g.dlq().nonEmpty() && dlqs.add(g.dlq().topic())) {
                    problems.add(g.dlq().records() + " memories the model refused are in " + g.dlq().topic());
                }
                for (Index index : g.indices()) {
                    if (index.dlq() != null && index.dlq().nonEmpty()) {
                        problems.add(index.dlq().records() + " memories Elasticsearch refused for " + index.index()
                                + " are in " + index.dlq().topic());
                    }
                    if ("false".equals(index.verifyPassed()) && !index.aliases().isEmpty()) {
                        problems.add("alias " + String.join(", ", index.aliases()) + " points to " + index.index()
                                + ", whose last verify failed");
                    }
                }
            }
        }
        return problems;
    }

    public boolean healthy() {
        return problems().isEmpty();
    }

    /** A reading of clusters that could not be read further (the broker does not answer, say). */
    static PipelineStatus unreadable(Instant at, List<ClusterProbe.Reachability> clusters) {
        return new PipelineStatus(at.toString(), 0, clusters, List.of());
    }
}
