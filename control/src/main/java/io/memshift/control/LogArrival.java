package io.memshift.control;

import io.memshift.importer.Importer;
import io.memshift.reembedder.OutputTransactions;
import io.memshift.reembedder.Reembedder;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.KafkaStreams;

/**
 * Whether every memory an export put on the log has reached the index, decided from the logs alone, with
 * bookkeeping that does not grow with the number of memories: a few offsets per partition.
 *
 * <ol>
 *   <li>When the export has committed and the pipeline's version gate has read the whole intake (see
 *       {@link Backlog#awaitGate}), the log's end offsets are read: {@code E}. Everything the export (and any
 *       earlier run) published that was newer than the log's, its snapshot deletes included, lies below them. The
 *       gate drops what is not newer, so how many events were published says nothing about how many reach the
 *       log: only offsets do.</li>
 *   <li>The re-embedder is through {@code E} when its group has committed offsets at or past {@code E} on every
 *       partition (every record below was read, and its exactly-once transaction committed), its tasks are running
 *       (not moving in a rebalance) and no memory waits in a batch, and every record its producer sent since has been committed ({@link OutputTransactions}), with no
 *       transaction aborted meanwhile. Each record below {@code E} is then embedded or dead-lettered, or dropped
 *       for a newer version of its memory, and its output is visible to read_committed readers.</li>
 *   <li>At that moment the embedded topic's committed end offsets are read: {@code O}. The importer is through
 *       {@code O} when it has committed positions at or past {@code O} on every partition; it commits only after
 *       every bulk of a poll settled (written, stale because the index holds a newer version, or dead-lettered).</li>
 * </ol>
 *
 * "Every memory arrived" is both: the index holds each exported memory at its version or a newer one, except those
 * the model or Elasticsearch refused, which the stages counted and set aside in their dead-letter topics.
 */
final class LogArrival {

    private static final long TIMEOUT_S = 30;

    private final Admin admin;
    private final String inputTopic;
    private final String outputTopic;
    private final Reembedder reembedder;
    private final Importer importer;
    private Map<TopicPartition, Long> exportEnd;
    private Map<TopicPartition, Long> outputEnd;
    private long reembedBacklog = -1;
    private long importBacklog = -1;

    LogArrival(Admin admin, String inputTopic, String outputTopic, Reembedder reembedder, Importer importer) {
        this.admin = admin;
        this.inputTopic = inputTopic;
        this.outputTopic = outputTopic;
        this.reembedder = reembedder;
        this.importer = importer;
    }

    /** Call once the export has committed: fixes {@code E}. */
    void exportCommitted() {
        exportEnd = endOffsets(inputTopic, IsolationLevel.READ_UNCOMMITTED);
    }

    /** True once the re-embedder is through {@code E} and the importer through {@code O}. */
    boolean arrived() {
        if (exportEnd == null) {
            return false;
        }
        if (outputEnd == null) {
            OutputTransactions output = reembedder.outputTransactions();
            long abortsBefore = output.aborts();
            // While its tasks move (a rebalance) their batches are not counted as waiting: not a moment to decide.
            if (reembedder.state() != KafkaStreams.State.RUNNING) {
                return false;
            }
            reembedBacklog = behind(exportEnd, committedOffsets(reembedder.applicationId()));
            // In this order: what the committed offsets cover was read before the batches were seen empty, and was
            // sent before the producer's transactions were seen settled.
            if (reembedBacklog > 0 || reembedder.metrics().pending() > 0 || !output.allSettled()
                    || output.aborts() != abortsBefore || reembedder.state() != KafkaStreams.State.RUNNING) {
                return false;
            }
            outputEnd = endOffsets(outputTopic, IsolationLevel.READ_COMMITTED);
        }
        importBacklog = behind(outputEnd, importer.committedPositions());
        return importBacklog == 0;
    }

    /** Records of the export the re-embedder has not committed yet; -1 before the first look. */
    long reembedBacklog() {
        return reembedBacklog;
    }

    /** Records of the embedded topic (up to {@code O}) the importer has not committed yet; -1 before it is known. */
    long importBacklog() {
        return outputEnd == null ? -1 : importBacklog;
    }

    private static long behind(Map<TopicPartition, Long> ends, Map<TopicPartition, Long> done) {
        long behind = 0;
        for (Map.Entry<TopicPartition, Long> end : ends.entrySet()) {
            long at = done.getOrDefault(end.getKey(), 0L);
            behind += Math.max(0, end.getValue() - at);
        }
        return behind;
    }

    private Map<TopicPartition, Long> committedOffsets(String groupId) {
        Map<TopicPartition, OffsetAndMetadata> offsets = get(admin.listConsumerGroupOffsets(groupId)
                .partitionsToOffsetAndMetadata(), "the offsets of group " + groupId);
        Map<TopicPartition, Long> committed = new HashMap<>();
        offsets.forEach((partition, offset) -> {
            if (offset != null) {
                committed.put(partition, offset.offset());
            }
        });
        return committed;
    }

    private Map<TopicPartition, Long> endOffsets(String topic, IsolationLevel isolation) {
        TopicDescription description = get(admin.describeTopics(List.of(topic)).allTopicNames(), "topic " + topic)
                .get(topic);
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        description.partitions().forEach(p -> latest.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
        Map<TopicPartition, Long> ends = new HashMap<>();
        get(admin.listOffsets(latest, new ListOffsetsOptions(isolation)).all(), "the end offsets of " + topic)
                .forEach((partition, info) -> ends.put(partition, info.offset()));
        return ends;
    }

    private static <T> T get(org.apache.kafka.common.KafkaFuture<T> future, String what) {
        try {
            return future.get(TIMEOUT_S, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MigrationFailedException("interrupted while reading " + what);
        } catch (ExecutionException | TimeoutException e) {
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            throw new IllegalStateException("cannot read " + what + ": " + cause.getMessage(), cause);
        }
    }
}
