package io.memshift.importer;

import io.memshift.clients.KafkaClients;
import io.memshift.clients.KafkaSettings;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * How far a consumer group's committed offsets are behind the end of a topic, counted in offsets. Ends are read
 * as a read_committed consumer sees them (the last stable offset), so open or aborted transactions do not count.
 * A transaction marker takes an offset too, so a group at the end of a transactional topic can have lag 0 only
 * when it has committed past the markers, which a read_committed consumer does.
 */
public final class ConsumerGroupLag {

    private ConsumerGroupLag() {
    }

    /** The lag, or -1 if the topic does not exist. */
    public static long of(KafkaSettings kafka, String groupId, String topic) {
        try (Admin admin = new KafkaClients(kafka).admin()) {
            TopicDescription description;
            try {
                description = admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                    return -1;
                }
                throw e;
            }
            Map<TopicPartition, OffsetSpec> latest = new java.util.HashMap<>();
            description.partitions().forEach(p -> latest.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = admin.listOffsets(latest,
                    new org.apache.kafka.clients.admin.ListOffsetsOptions(IsolationLevel.READ_COMMITTED))
                    .all().get(30, TimeUnit.SECONDS);
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(groupId)
                    .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
            long lag = 0;
            for (Map.Entry<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> end : ends.entrySet()) {
                OffsetAndMetadata done = committed.get(end.getKey());
                lag += Math.max(0, end.getValue().offset() - (done == null ? 0 : done.offset()));
            }
            return lag;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading the lag of " + groupId, e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot read the lag of group " + groupId + " on " + topic + ": "
                    + (e instanceof TimeoutException ? "no answer within 30 s" : e.getMessage()), e);
        }
    }
}
