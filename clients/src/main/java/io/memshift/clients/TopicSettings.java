package io.memshift.clients;

import java.util.Map;
import java.util.Optional;

/**
 * How memshift creates the topics it needs on a cluster: the partitions of each data topic (the memories, the
 * embedded topics, the dead letters; single-partition topics such as the export checkpoints stay at one), the
 * replication factor of every topic, and its {@code min.insync.replicas}. A topic that exists is never changed.
 * Partitions bound how many instances of a stage share the work (each partition is read by one instance at a
 * time). The config file gives a cluster's settings; a pipeline keeps the ones it was created with (its
 * {@code --partitions} and {@code --replication-factor} override the file's).
 *
 * @param partitions         partitions of each data topic
 * @param replicationFactor  replicas of every topic, or null for the broker's {@code default.replication.factor}
 * @param minInsyncReplicas  {@code min.insync.replicas} of every topic, or null for the broker's default
 */
public record TopicSettings(int partitions, Short replicationFactor, Integer minInsyncReplicas) {

    /** Three partitions, the broker's replication factor and min.insync.replicas: what memshift always did. */
    public static final TopicSettings DEFAULT = new TopicSettings(3, null, null);

    public TopicSettings {
        if (partitions < 1) {
            throw new IllegalArgumentException("topics need at least 1 partition, not " + partitions);
        }
        if (replicationFactor != null && replicationFactor < 1) {
            throw new IllegalArgumentException("the replication factor is at least 1, not " + replicationFactor);
        }
        if (minInsyncReplicas != null && minInsyncReplicas < 1) {
            throw new IllegalArgumentException("min.insync.replicas is at least 1, not " + minInsyncReplicas);
        }
        if (replicationFactor != null && minInsyncReplicas != null && minInsyncReplicas > replicationFactor) {
            throw new IllegalArgumentException("min.insync.replicas (" + minInsyncReplicas + ") above the replication"
                    + " factor (" + replicationFactor + ") would refuse every write with acks=all");
        }
    }

    /** These settings with another partition count (a pipeline's own, or an existing log's). */
    public TopicSettings withPartitions(int count) {
        return new TopicSettings(count, replicationFactor, minInsyncReplicas);
    }

    /** These settings with another replication factor (a pipeline's own); null keeps this one. */
    public TopicSettings withReplicationFactor(Short replicas) {
        return replicas == null ? this : new TopicSettings(partitions, replicas, minInsyncReplicas);
    }

    public Optional<Short> replication() {
        return Optional.ofNullable(replicationFactor);
    }

    /** The topic configuration every created topic gets on top of its own. */
    public Map<String, String> config() {
        return minInsyncReplicas == null ? Map.of() : Map.of("min.insync.replicas", minInsyncReplicas.toString());
    }
}
