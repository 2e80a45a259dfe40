package io.memshift.control;

import io.memshift.clients.KafkaSettings;
import io.memshift.importer.ConsumerGroupLag;
import io.memshift.schemas.DaemonThreads;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The stages' lag as gauges: how many records of its input a stage's consumer group has not committed yet (as
 * {@link ConsumerGroupLag} counts them). Read from the broker in a thread of its own every few seconds, never
 * while a scrape waits; a lag that cannot be read (no broker, no topic yet) is NaN.
 *
 * <ul>
 *   <li>{@code memshift.reembed.lag} (tags {@code model}, {@code group}, {@code topic}): the re-embedder's group
 *       on its input; memories already read and waiting in a batch are {@code memshift.reembed.pending};</li>
 *   <li>{@code memshift.import.lag} (tags {@code index}, {@code group}, {@code topic}): the importer's group on
 *       the embedded topic.</li>
 * </ul>
 */
public final class LagGauges implements AutoCloseable {

    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(5);
    private static final Logger LOG = LoggerFactory.getLogger(LagGauges.class);

    private final KafkaSettings kafka;
    private final MeterRegistry registry;
    private final List<Watched> watched = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService sampler;

    private static final class Watched {
        final String group;
        final String topic;
        volatile double lag = Double.NaN;

        Watched(String group, String topic) {
            this.group = group;
            this.topic = topic;
        }
    }

    public LagGauges(Clusters clusters, MeterRegistry registry, Duration interval) {
        this.kafka = clusters.kafka();
        this.registry = registry;
        this.sampler = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("memshift-lag-gauges"));
        sampler.scheduleWithFixedDelay(this::sample, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Watches the re-embedder with application id {@code applicationId} on {@code inputTopic}. */
    public LagGauges reembedder(String modelId, String applicationId, String inputTopic) {
        return watch("memshift.reembed.lag", Tags.of("model", modelId), applicationId, inputTopic);
    }

    /** Watches the importer of {@code index}, whose group is {@code groupId}, on {@code topic}. */
    public LagGauges importer(String index, String groupId, String topic) {
        return watch("memshift.import.lag", Tags.of("index", index), groupId, topic);
    }

    private LagGauges watch(String name, Tags tags, String group, String topic) {
        Watched one = new Watched(group, topic);
        watched.add(one);
        Gauge.builder(name, one, w -> w.lag).tags(tags.and("group", group, "topic", topic))
                .description("records of the topic the group has not committed yet").register(registry);
        sampler.execute(() -> sample(one));
        return this;
    }

    private void sample() {
        watched.forEach(this::sample);
    }

    private void sample(Watched one) {
        try {
            long lag = ConsumerGroupLag.of(kafka, one.group, one.topic);
            one.lag = lag < 0 ? Double.NaN : lag;
        } catch (RuntimeException e) {
            one.lag = Double.NaN;
            LOG.debug("cannot read the lag of {} on {}: {}", one.group, one.topic, e.getMessage());
        }
    }

    @Override
    public void close() {
        sampler.shutdownNow();
    }
}
