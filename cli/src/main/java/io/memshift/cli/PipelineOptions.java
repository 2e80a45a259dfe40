package io.memshift.cli;

import io.memshift.clients.TopicSettings;
import io.memshift.control.InvalidRequestException;
import io.memshift.schemas.Topics;
import picocli.CommandLine.Option;

/**
 * Which pipeline a command works on ({@code --pipeline}) and how a new pipeline's topics are created
 * ({@code --partitions}, {@code --replication-factor} over the config file's {@code kafka.topics}; a pipeline that
 * exists keeps what it was created with).
 */
final class PipelineOptions {

    @Option(names = "--pipeline", description = "The pipeline (one store's log, topics, ids and indices) to work on;"
            + " default: the source's store's own, or the only pipeline there is (./memshift pipelines lists them).")
    String name;

    @Option(names = "--partitions", description = "Partitions of a new pipeline's topics: how many instances of each"
            + " stage can share its work (default: the config file's kafka.topics.partitions, else "
            + Topics.DEFAULT_PARTITIONS + ").")
    Integer partitions;

    @Option(names = "--replication-factor", description = "Copies of each partition of a new pipeline's topics"
            + " (default: the config file's kafka.topics.replication-factor, else the broker's"
            + " default.replication.factor).")
    Short replicationFactor;

    /** A new pipeline's topic settings: the flags over {@code cluster}'s (the config file's, or the defaults). */
    TopicSettings topicSettings(TopicSettings cluster) {
        try {
            return cluster.withPartitions(partitions != null ? partitions : cluster.partitions())
                    .withReplicationFactor(replicationFactor);
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException("--partitions/--replication-factor: " + e.getMessage());
        }
    }
}
