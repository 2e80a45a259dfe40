package io.memshift.reembedder;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.metrics.KafkaMetric;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaClientSupplier;

/**
 * Whether everything the stage has sent is settled by a transaction. Kafka Streams forwards a batch's records to
 * its producer as soon as the batch is embedded, but they become visible (to a read_committed importer) only when
 * the next commit of the task's transaction completes, up to a commit interval later. A caller that sees the
 * stage's batches empty therefore also asks {@link #allSettled()}: true once a commit or an abort has completed
 * after the last record was sent. An abort means that work will be done again, so it is counted apart
 * ({@link #aborts()}): a caller that reads it before and after its check knows whether one came in between.
 *
 * <p>The counts come from the stage's own producer, wrapped by {@link #clientSupplier()}; the stream thread is
 * the only one that sends and commits on it, so "sent before the commit began" is exact.
 */
public final class OutputTransactions {

    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong settled = new AtomicLong();
    private final AtomicLong aborts = new AtomicLong();

    /** True if every record sent so far is committed (or aborted: see {@link #aborts()}). */
    public boolean allSettled() {
        long sentNow = sent.get();
        return settled.get() >= sentNow;
    }

    /** Transactions aborted so far. */
    public long aborts() {
        return aborts.get();
    }

    /** Records sent so far (outputs, dead letters, state changes). */
    public long sent() {
        return sent.get();
    }

    private void settledUpTo(long count) {
        settled.accumulateAndGet(count, Math::max);
    }

    /** Kafka Streams' clients, with the producer counted. */
    KafkaClientSupplier clientSupplier() {
        return new KafkaClientSupplier() {
            @Override
            public Admin getAdmin(Map<String, Object> config) {
                return Admin.create(config);
            }

            @Override
            public Producer<byte[], byte[]> getProducer(Map<String, Object> config) {
                return new CountedProducer(new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer()));
            }

            @Override
            public Consumer<byte[], byte[]> getConsumer(Map<String, Object> config) {
                return new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
            }

            @Override
            public Consumer<byte[], byte[]> getRestoreConsumer(Map<String, Object> config) {
                return getConsumer(config);
            }

            @Override
            public Consumer<byte[], byte[]> getGlobalConsumer(Map<String, Object> config) {
                return getConsumer(config);
            }
        };
    }

    /** The stage's producer, unchanged but for the counts. */
    private final class CountedProducer implements Producer<byte[], byte[]> {
        private final Producer<byte[], byte[]> producer;

        CountedProducer(Producer<byte[], byte[]> producer) {
            this.producer = producer;
        }

        @Override
        public Future<RecordMetadata> send(ProducerRecord<byte[], byte[]> record) {
            sent.incrementAndGet();
            return producer.send(record);
        }

        @Override
        public Future<RecordMetadata> send(ProducerRecord<byte[], byte[]> record, Callback callback) {
            sent.incrementAndGet();
            return producer.send(record, callback);
        }

        @Override
        public void commitTransaction() {
            long upTo = sent.get();
            producer.commitTransaction();
            settledUpTo(upTo);
        }

        @Override
        public void abortTransaction() {
            long upTo = sent.get();
            producer.abortTransaction();
            aborts.incrementAndGet();
            settledUpTo(upTo);
        }

        @Override
        public void initTransactions() {
            producer.initTransactions();
        }

        @Override
        public void beginTransaction() {
            producer.beginTransaction();
        }

        @Override
        public void sendOffsetsToTransaction(Map<TopicPartition, OffsetAndMetadata> offsets,
                                             ConsumerGroupMetadata groupMetadata) {
            producer.sendOffsetsToTransaction(offsets, groupMetadata);
        }

        @Override
        public void registerMetricForSubscription(KafkaMetric metric) {
            producer.registerMetricForSubscription(metric);
        }

        @Override
        public void unregisterMetricFromSubscription(KafkaMetric metric) {
            producer.unregisterMetricFromSubscription(metric);
        }

        @Override
        public void flush() {
            producer.flush();
        }

        @Override
        public List<PartitionInfo> partitionsFor(String topic) {
            return producer.partitionsFor(topic);
        }

        @Override
        public Map<MetricName, ? extends Metric> metrics() {
            return producer.metrics();
        }

        @Override
        public Uuid clientInstanceId(Duration timeout) {
            return producer.clientInstanceId(timeout);
        }

        @Override
        public void close() {
            producer.close();
        }

        @Override
        public void close(Duration timeout) {
            producer.close(timeout);
        }
    }
}
