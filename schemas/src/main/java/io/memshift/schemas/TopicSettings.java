package io.memshift.schemas;

import java.util.Optional;

/**
 * How a pipeline's topics are created: partitions bound how many instances of a stage share the work (each
 * partition is read by one instance at a time), the replication factor how many brokers keep each copy. Topics
 * that exist are left as they are.
 *
 * @param partitions        partitions of each topic the pipeline creates
 * @param replicationFactor copies of each partition; empty for the broker's {@code default.replication.factor}
 */
public record TopicSettings(int partitions, Optional<Short> replicationFactor) {

    /** 3 partitions, the broker's replication factor: what memshift created before pipelines had settings. */
    public static final TopicSettings DEFAULTS = new TopicSettings(Topics.DEFAULT_PARTITIONS, Optional.empty());

    public TopicSettings {
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions must be at least 1, was " + partitions);
        }
        replicationFactor = replicationFactor == null ? Optional.empty() : replicationFactor;
        replicationFactor.ifPresent(rf -> {
            if (rf < 1) {
                throw new IllegalArgumentException("replication factor must be at least 1, was " + rf);
            }
        });
    }

    public static TopicSettings of(int partitions, Short replicationFactor) {
        return new TopicSettings(partitions, Optional.ofNullable(replicationFactor));
    }

    /** These settings with another partition count (an existing log's, say). */
    public TopicSettings withPartitions(int count) {
        return new TopicSettings(count, replicationFactor);
    }
}
