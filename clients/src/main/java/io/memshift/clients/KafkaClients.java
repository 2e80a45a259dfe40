package io.memshift.clients;

import java.nio.file.Path;
import java.util.Properties;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.StreamsConfig;

/**
 * The one place memshift configures a Kafka client. Each method returns the configuration of one kind of client
 * (admin, plain / idempotent / transactional producer, plain / read_committed / group consumer, Streams) for the
 * cluster of its {@link KafkaSettings}; the caller adds its own tuning (linger, batch size, compression, client
 * id) and builds the client with its serdes.
 *
 * <p>Every configuration starts from the cluster's brokers and its extra client properties (security, network),
 * so a property given once reaches every client. For Streams they are given unprefixed, which Streams hands to
 * each of its clients (main, restore and global consumers, producer, admin) that knows the setting. What a kind
 * of client means for memshift (ids, isolation, acks) is set after them, and {@link KafkaSettings} refuses extra
 * properties that would collide with it.
 */
public final class KafkaClients {

    /** See {@link #streamsConfig}: how long a restore fetch may wait at the broker when there is nothing to read. */
    static final int RESTORE_FETCH_MAX_WAIT_MS = 20;

    /**
     * How long memshift's consumers let a fetch wait at the broker when there is nothing new to read (the client's
     * default is 500 ms), unless the cluster's client properties say otherwise. Closing a consumer waits for its
     * fetch still parked at the broker: with 500 ms, every stage of a run spent 0.4-0.5 s closing (the end of each
     * {@code migrate}, each stop and restart), with 100 ms about 0.1 s. A fetch that finds records returns at once
     * whatever this is, so throughput is the same; an idle consumer asks ten times a second instead of twice.
     */
    static final int FETCH_MAX_WAIT_MS = 100;

    /**
     * With static membership a member that dies keeps its partitions until its session times out, and a restart
     * within that time takes them back at once without a rebalance: 30 s covers a restart, and a dead member
     * stalls its partitions no longer than that.
     */
    static final int STATIC_MEMBER_SESSION_TIMEOUT_MS = 30_000;

    private final KafkaSettings settings;

    public KafkaClients(KafkaSettings settings) {
        this.settings = settings;
    }

    public KafkaSettings settings() {
        return settings;
    }

    /** The brokers and the extra client properties: what every client of this cluster starts from. */
    private Properties base() {
        Properties props = new Properties();
        props.putAll(settings.clientProperties());
        props.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
        return props;
    }

    public Properties adminConfig() {
        return base();
    }

    /** An admin client of this cluster; the caller closes it. */
    public Admin admin() {
        return Admin.create(adminConfig());
    }

    /** A producer with the client's defaults. */
    public Properties producerConfig() {
        return base();
    }

    /** A producer whose sends are durable once acknowledged and never doubled by its own retries. */
    public Properties idempotentProducerConfig() {
        Properties props = base();
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        return props;
    }

    /**
     * A transactional producer (idempotent by definition). The next producer with the same id fences this one and
     * aborts its open transaction, so the id names what must not run twice at once (e.g. one export source).
     */
    public Properties transactionalProducerConfig(String transactionalId) {
        Properties props = base();
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        return props;
    }

    /** A consumer with the client's defaults (it also reads records of open or aborted transactions). */
    public Properties consumerConfig() {
        return base();
    }

    /**
     * A consumer without a group, for {@code assign}ed reads of what transactions committed: it never sees records
     * of an open or aborted transaction, and commits nothing.
     */
    public Properties committedReaderConfig() {
        Properties props = base();
        shortFetchWait(props, ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        return props;
    }

    /**
     * A member of a consumer group that reads what transactions committed, from the start of the topic for a new
     * group, and commits its offsets itself. It is a static member: restarted with the same {@code staticMemberId}
     * (after a crash, say), it takes its partitions back at once instead of waiting for the dead member's session
     * to time out.
     */
    public Properties groupConsumerConfig(String groupId, String staticMemberId) {
        Properties props = base();
        shortFetchWait(props, ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, staticMemberId);
        props.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, STATIC_MEMBER_SESSION_TIMEOUT_MS);
        return props;
    }

    /**
     * A Kafka Streams application with exactly_once_v2, its state under {@code stateDir}, reading a new input from
     * the start, whose main consumer is the static member {@code staticMemberId} (as in
     * {@link #groupConsumerConfig}). Needs kafka-streams on the class path, as every Streams application has.
     */
    public Properties streamsConfig(String applicationId, String staticMemberId, Path stateDir) {
        Properties props = base();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toAbsolutePath().toString());
        // Made here, race-free: the stages of one process start at once (Stage.startTogether), and Streams' own
        // check-then-create of the directory lets one of two applications fail with "couldn't be created".
        try {
            java.nio.file.Files.createDirectories(stateDir);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot create the state directory " + stateDir, e);
        }
        props.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
        props.put(StreamsConfig.mainConsumerPrefix(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG), staticMemberId);
        props.put(StreamsConfig.consumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG),
                STATIC_MEMBER_SESSION_TIMEOUT_MS);
        // The restore consumer's fetch of a changelog with nothing (left) to restore waits fetch.max.wait.ms at the
        // broker, and tasks handed to the state updater meanwhile wait for it: with the default 500 ms, every start
        // of a stateful stage spent half a second before RUNNING with nothing to restore. Restoring a changelog that
        // has data is not slowed: a fetch that finds records returns at once.
        props.put(StreamsConfig.restoreConsumerPrefix(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG), RESTORE_FETCH_MAX_WAIT_MS);
        shortFetchWait(props, StreamsConfig.mainConsumerPrefix(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG));
        return props;
    }

    /**
     * {@link #FETCH_MAX_WAIT_MS} as {@code key}, unless the cluster's client properties set the wait for that client:
     * as {@code key} itself or unprefixed (for Streams, as Streams reads them: {@code main.consumer.} before
     * {@code consumer.} before none).
     */
    private void shortFetchWait(Properties props, String key) {
        String wait = ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG;
        java.util.Map<String, String> given = settings.clientProperties();
        boolean streams = !key.equals(wait);
        if (!given.containsKey(wait) && !given.containsKey(key)
                && !(streams && given.containsKey(StreamsConfig.consumerPrefix(wait)))) {
            props.put(key, FETCH_MAX_WAIT_MS);
        }
    }
}
