package io.memshift.cli;

import io.memshift.schemas.TopicSettings;
import io.memshift.schemas.Topics;
import picocli.CommandLine.Option;

/**
 * Which pipeline a command works on ({@code --pipeline}) and how a new pipeline's topics are created
 * ({@code --partitions}, {@code --replication-factor}; a pipeline that exists keeps what it was created with).
 */
final class PipelineOptions {

    @Option(names = "--pipeline", description = "The pipeline (one store's log, topics, ids and indices) to work on;"
            + " default: the source's store's own, or the only pipeline there is (./memshift pipelines lists them).")
    String name;

    @Option(names = "--partitions", description = "Partitions of a new pipeline's topics: how many instances of each"
            + " stage can share its work (default: " + Topics.DEFAULT_PARTITIONS + ").")
    Integer partitions;

    @Option(names = "--replication-factor", description = "Copies of each partition of a new pipeline's topics"
            + " (default: the broker's default.replication.factor).")
    Short replicationFactor;

    TopicSettings topicSettings() {
        try {
            return TopicSettings.of(partitions != null ? partitions : Topics.DEFAULT_PARTITIONS, replicationFactor);
        } catch (IllegalArgumentException e) {
            throw new BadInputException("--partitions/--replication-factor: " + e.getMessage());
        }
    }
}
